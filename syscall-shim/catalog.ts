// The syscall catalog: one source of truth for every x86-64 Linux syscall and ukify's support of it.
// Read by the analyzer's reports and by the kernel build (syscall-shim/gen-dispatch.mjs: the handlers'
// typed prototypes, the dispatch table and the generated stubs).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type SyscallStatus = 'full' | 'partial' | 'fake' | 'stub' | 'missing';
export const syscallStatuses: readonly SyscallStatus[] = ['full', 'partial', 'fake', 'stub', 'missing'];

export interface CatalogEntry {
  nr: number;
  name: string;
  status: SyscallStatus;
  /** The Linux prototype's parameters in the kernel's types, e.g. `["int fd", "u64 buf", "u64 len"]`
   * (types: int, unsigned, long, u64 for unsigned longs and user pointers, i64): the handler's
   * prototype and how its argument registers are narrowed. Required unless the status is `missing`. */
  args?: string[];
  /** A stub whose body is generated: it returns this error (an errno name, e.g. `ENOSYS`). */
  errno?: string;
  /** A stub whose body is written in syscall-shim/ (it checks its arguments before failing). */
  handwritten?: boolean;
  /** What is missing (partial), what is faked (fake), which error is returned (stub). */
  note: string;
}

/** catalog.json sits beside this file in the source tree; compiled code runs from dist/syscall-shim/. */
function defaultCatalogPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'catalog.json');
  return existsSync(beside) ? beside : join(here, '..', '..', 'syscall-shim', 'catalog.json');
}

/** The catalog, indexed by syscall number. */
export function loadCatalog(path: string = defaultCatalogPath()): ReadonlyMap<number, CatalogEntry> {
  const entries = JSON.parse(readFileSync(path, 'utf8')) as CatalogEntry[];
  return new Map(entries.map((e) => [e.nr, e]));
}

/** A syscall's number from its name or its number written out; undefined when the catalog has neither. */
export function syscallNamed(catalog: ReadonlyMap<number, CatalogEntry>, word: string): number | undefined {
  if (/^\d+$/.test(word) && catalog.has(Number(word))) return Number(word);
  for (const e of catalog.values()) if (e.name === word) return e.nr;
  return undefined;
}
