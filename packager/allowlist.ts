// The syscall allowlist an image carries (/.ukify/allow, kernel/IMAGE.md): the syscalls the analyses
// of the image's programs found, plus what the user allows, and the syscall instructions whose
// number the analysis could not tell (they may make any syscall, from that instruction only).
// Pure: the callers read the catalog and the ELF files.
import type { Analysis, UnresolvedSite } from '../analyzer/analysis.js';
import { type CatalogEntry, syscallNamed } from '../syscall-shim/catalog.js';
import { OptionsError } from './options.js';

export const ALLOWLIST_FILE = '.ukify/allow';
/** How many unresolved sites the kernel keeps (kernel/allowlist.c, MAX_SITES). */
export const MAX_SITES = 64;

/**
 * An unresolved site in the file the guest maps at `path`: a syscall instruction (its offset), or a
 * call that passes a number the analysis cannot tell to a function that makes the syscall (the
 * offset of the call's return address).
 */
export interface SiteInFile {
  path: string;
  offset: number;
  call: boolean;
}

export interface Allowlist {
  /** Syscall numbers, sorted. */
  syscalls: number[];
  sites: SiteInFile[];
  /** Refused calls kill the program with SIGSYS instead of failing with ENOSYS. */
  strict: boolean;
}

/** What the allowlist means for the user: how many syscalls the image allows out of those the kernel has. */
export interface AllowlistSummary {
  allowed: number;
  implemented: number;
  sites: number;
}

/** A syscall's number from its name or number as the user writes it (--allow). */
export function syscallNumber(word: string, catalog: ReadonlyMap<number, CatalogEntry>): number {
  const nr = syscallNamed(catalog, word.trim());
  if (nr !== undefined) return nr;
  throw new OptionsError(`--allow ${word}: not an x86-64 syscall (give a name such as pkey_alloc, or its number)`);
}

/** The union of the analyses' syscalls and the allowed ones, with the unresolved sites as found in the files. */
export function allowlistOf(analyses: readonly Analysis[], allow: readonly number[], strict: boolean, sites: readonly SiteInFile[]): Allowlist {
  const syscalls = new Set(allow);
  for (const a of analyses) for (const s of a.syscalls) syscalls.add(s.nr);
  const unique = new Map(sites.map((s) => [`${s.path}\0${s.offset}\0${s.call}`, s]));
  return { syscalls: [...syscalls].sort((x, y) => x - y), sites: [...unique.values()], strict };
}

/** The unresolved sites that can be found in a file: the others hold a number that is no syscall (the kernel refuses it anyway). */
export function unresolvedSites(analysis: Analysis): UnresolvedSite[] {
  return analysis.unresolved.filter((u) => u.address !== '');
}

/** The file's text: "NR NAME" lines, "site 0xOFFSET PATH" and "call 0xOFFSET PATH" lines, and "strict". */
export function allowlistText(list: Allowlist, catalog: ReadonlyMap<number, CatalogEntry>): string {
  const lines = ['# the syscalls this image may make (kernel/IMAGE.md)'];
  for (const nr of list.syscalls) lines.push(`${nr} ${catalog.get(nr)?.name ?? '?'}`);
  for (const s of list.sites) lines.push(`${s.call ? 'call' : 'site'} 0x${s.offset.toString(16)} ${s.path}`);
  if (list.strict) lines.push('strict');
  return `${lines.join('\n')}\n`;
}

export function allowlistSummary(list: Allowlist, catalog: ReadonlyMap<number, CatalogEntry>): AllowlistSummary {
  const implemented = [...catalog.values()].filter((e) => e.status !== 'missing');
  const allowed = implemented.filter((e) => list.syscalls.includes(e.nr)).length;
  return { allowed, implemented: implemented.length, sites: list.sites.length };
}

/** "the image allows 116 of the 322 syscalls the kernel implements (and any syscall from 3 instructions whose number the analysis cannot tell)" */
export function allowlistLine(s: AllowlistSummary | { off: string } | undefined): string {
  if (s === undefined) return 'the allowlist is off: the image allows every syscall';
  if ('off' in s) return `the allowlist would be off: ${s.off}`;
  const sites = s.sites === 0 ? '' : ` (and any from the ${s.sites} place${s.sites === 1 ? '' : 's'} whose syscall number the analysis cannot tell)`;
  return `the image allows ${s.allowed} of the ${s.implemented} syscalls the kernel implements${sites}`;
}
