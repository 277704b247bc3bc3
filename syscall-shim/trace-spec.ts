// syscall-shim/trace.json read for the runner's `--strace` decoder: per syscall, how each argument
// is shown (the kinds of syscall-shim/trace-kinds.json, described in gen-trace.mjs), with the
// catalog's name, types and status.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCatalog, type SyscallStatus } from './catalog.js';

export type ArgType = 'int' | 'unsigned' | 'long' | 'i64' | 'u64';

export interface SyscallSpec {
  nr: number;
  name: string;
  status: SyscallStatus;
  /** The catalog's argument types; undefined when the catalog declares none (missing syscalls). */
  types?: ArgType[];
  /** How each argument is shown: trace.json's kinds, or by its type where trace.json is silent. */
  kinds?: string[];
  /** Per argument, when the kernel copies its memory (undefined: a kind shown from the register). */
  copied?: Array<'entry' | 'exit' | undefined>;
}

interface TraceKinds {
  memory: Record<string, { when: 'entry' | 'exit' }>;
}

function beside(file: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return existsSync(join(here, file)) ? join(here, file) : join(here, '..', '..', 'syscall-shim', file);
}

const byType: Record<ArgType, string> = { int: 'd', unsigned: 'u', long: 'd', i64: 'd', u64: 'ptr' };

/** Every syscall of the catalog, by number. */
export function loadTraceSpecs(): ReadonlyMap<number, SyscallSpec> {
  const declared = JSON.parse(readFileSync(beside('trace.json'), 'utf8')) as Record<string, string[]>;
  const { memory } = JSON.parse(readFileSync(beside('trace-kinds.json'), 'utf8')) as TraceKinds;
  const copied = (kind: string): 'entry' | 'exit' | undefined => memory[kind.replace(/:\d$/, ':K')]?.when;
  const out = new Map<number, SyscallSpec>();
  for (const e of loadCatalog().values()) {
    const types = e.args?.map((a) => a.split(' ')[0] as ArgType);
    const kinds = types === undefined ? undefined : declared[e.name] ?? types.map((t) => byType[t]);
    out.set(e.nr, { nr: e.nr, name: e.name, status: e.status, ...(types === undefined || kinds === undefined ? {} : { types, kinds, copied: kinds.map(copied) }) });
  }
  return out;
}
