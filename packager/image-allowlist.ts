// The allowlist of one image (the I/O edge of allowlist.ts): the program's analysis, plus the
// analysis of every other ELF program or library the image holds that the program's closure does
// not (what --file, --dir and discovery add: a shell and what it runs, Python's extension modules,
// nginx's dynamic modules), each with its own libraries. A library nobody names in DT_NEEDED is
// analyzed as a library: all its exports count, since dlopen can reach any of them.
import { realpathSync } from 'node:fs';
import type { Analysis } from '../analyzer/analysis.js';
import { analyzeProgram } from '../analyzer/analyze.js';
import { readAtVaddr, readElf, vaddrToOffset } from '../analyzer/elf/index.js';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { allowlistOf, allowlistSummary, allowlistText, ALLOWLIST_FILE, type AllowlistSummary, MAX_SITES, type SiteInFile, syscallNumber, unresolvedSites } from './allowlist.js';
import type { CpioEntry } from './cpio.js';
import { readInput } from './read-input.js';

export interface AllowlistRequest {
  /** --no-allowlist: the image allows every syscall. */
  off?: boolean;
  /** --allow: names or numbers added to the set. */
  allow?: readonly string[];
  /** --strict: a refused call kills the program with SIGSYS. */
  strict?: boolean;
}

/** An ELF file in the image: its guest path and the host file it came from. */
export interface ImageElf {
  guest: string;
  host: string;
}

export interface ImageAllowlist {
  entry?: CpioEntry;
  summary?: AllowlistSummary;
  warnings: string[];
}

const ET_EXEC = 2;
const ET_DYN = 3;
const EM_X86_64 = 62;

/** Whether bytes are an x86-64 ELF program or shared object (what a process can map and run). */
export function isLoadableElf(bytes: Uint8Array): boolean {
  if (bytes.length < 20 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46 || bytes[4] !== 2) return false;
  const type = bytes[16] | (bytes[17] << 8);
  const machine = bytes[18] | (bytes[19] << 8);
  return (type === ET_EXEC || type === ET_DYN) && machine === EM_X86_64;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** The objects an analysis covers: the analyzed file and its library closure. */
function covered(a: Analysis): string[] {
  return [a.binary, ...a.libraries.map((l) => l.path)].map(realPath);
}

/** How a site's first bytes place it: a syscall instruction, or a call whose return address follows it. */
function siteKind(bytes: Uint8Array): { call: boolean; length: number } | undefined {
  if (bytes[0] === 0x0f && bytes[1] === 0x05) return { call: false, length: 0 }; // syscall
  if (bytes[0] === 0xe8) return { call: true, length: 5 }; // call rel32
  if (bytes[0] === 0xff && bytes[1] === 0x15) return { call: true, length: 6 }; // call [rip+disp32]
  return undefined;
}

/**
 * Where the guest finds each unresolved site: its file's guest path and the offset in that file of
 * the syscall instruction, or of the return address of a call that passes an unknown number to a
 * function that makes the syscall. Any other site cannot be followed at run time: the allowlist is
 * then off, and `off` says why.
 */
export function locateSites(analyses: readonly Analysis[], guestOf: (object: string) => string): { sites: SiteInFile[] } | { off: string } {
  const elfs = new Map<string, ReturnType<typeof readElf>>();
  const sites: SiteInFile[] = [];
  for (const u of analyses.flatMap(unresolvedSites)) {
    const elf = elfs.get(u.object) ?? readElf(readInput(u.object, 'library'), u.object);
    elfs.set(u.object, elf);
    const address = BigInt(u.address);
    const bytes = readAtVaddr(elf, address, 2);
    const kind = bytes === undefined ? undefined : siteKind(bytes);
    const offset = vaddrToOffset(elf, address);
    if (kind === undefined || offset === undefined) {
      return { off: `${u.function} in ${u.object} makes a syscall whose number the analysis cannot tell (${u.reason})` };
    }
    sites.push({ path: guestOf(u.object), offset: Number(offset) + kind.length, call: kind.call });
  }
  return { sites };
}

/** What an image of the analyzed program alone would allow (ukify analyze), or why it would have no allowlist. */
export function programAllowlist(analysis: Analysis): AllowlistSummary | { off: string } {
  const located = locateSites([analysis], (object) => object);
  if ('off' in located) return located;
  const catalog = loadCatalog();
  return allowlistSummary(allowlistOf([analysis], [], false, located.sites), catalog);
}

/**
 * The /.ukify/allow entry for an image whose program was analyzed as `program` and placed at
 * `programGuest`, holding the other ELF files `others`.
 */
export async function imageAllowlist(
  program: Analysis,
  programGuest: string,
  others: readonly ImageElf[],
  request: AllowlistRequest,
  onProgress?: (message: string) => void,
): Promise<ImageAllowlist> {
  if (request.off === true) return { warnings: [] };
  const catalog = loadCatalog();
  const allow = (request.allow ?? []).map((word) => syscallNumber(word, catalog));
  const done = new Set(covered(program));
  const analyses: { analysis: Analysis; guest: string }[] = [{ analysis: program, guest: programGuest }];
  const pending = others.filter((o) => !done.has(realPath(o.host)));
  for (const [i, o] of pending.entries()) {
    if (done.has(realPath(o.host))) continue; // a library of a file analyzed before it
    onProgress?.(`analyzing the image's other programs and libraries (${i + 1}/${pending.length}): ${o.guest}`);
    let analysis: Analysis;
    try {
      analysis = await analyzeProgram(o.host);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return { warnings: [`the allowlist is off: ${o.guest} in the image cannot be analyzed (${why}); every syscall is allowed`] };
    }
    for (const path of covered(analysis)) done.add(path);
    analyses.push({ analysis, guest: o.guest });
  }
  const guestOf = (object: string): string => analyses.find((a) => a.analysis.binary === object)?.guest ?? object;
  const located = locateSites(analyses.map((a) => a.analysis), guestOf);
  if ('off' in located) return { warnings: [`the allowlist is off: ${located.off}; every syscall is allowed`] };
  const list = allowlistOf(analyses.map((a) => a.analysis), allow, request.strict === true, located.sites);
  if (list.sites.length > MAX_SITES) {
    return { warnings: [`the allowlist is off: ${list.sites.length} syscall instructions have a number the analysis cannot tell (the kernel tracks at most ${MAX_SITES}); every syscall is allowed`] };
  }
  const entry: CpioEntry = { name: ALLOWLIST_FILE, mode: 0o100644, data: new TextEncoder().encode(allowlistText(list, catalog)) };
  return { entry, summary: allowlistSummary(list, catalog), warnings: [] };
}
