// One object (the program or a library) rewritten: each syscall site the analysis gave a window to
// jumps to its trampoline, and the trampolines go into a new executable segment after the others.
// Pure: bytes in, bytes out; the input is never changed.
import type { SyscallSite } from '../analyzer/analysis.js';
import { addLoadSegment, type ElfFile, PF_R, PF_X, PT_LOAD, readAtVaddr, vaddrToOffset } from '../analyzer/elf/index.js';
import { identityWords } from './identity-page.js';
import { trampoline, windowPatch } from './trampoline.js';

/** What became of a site: answered in user space, still a `syscall` (moved to a trampoline), or kept as it was, with why. */
export type SiteOutcome =
  | { site: SyscallSite; patched: 'user-space' | 'syscall' }
  | { site: SyscallSite; patched?: undefined; reason: string };

export interface RewrittenObject {
  /** The new file, or undefined when no site was patched (the object goes in unchanged). */
  bytes?: Uint8Array;
  outcomes: SiteOutcome[];
}

const RT_SIGRETURN = 15;
const PAGE = 0x1000n;
/** Trampolines start on this boundary (a cache line's quarter: cheap, and addresses stay readable). */
const SLOT = 16;

export function rewriteObject(elf: ElfFile, sites: readonly SyscallSite[]): RewrittenObject {
  const outcomes: SiteOutcome[] = [];
  const segmentStart = endOfLoad(elf);
  const code: number[] = [];
  const patches: { at: bigint; bytes: Uint8Array }[] = [];
  let taken = -1n; // end of the last window patched (sites come in address order)
  for (const site of [...sites].sort((a, b) => a.address - b.address)) {
    const keep = (reason: string): void => void outcomes.push({ site, reason });
    if (site.window === undefined) {
      keep(site.unpatchable ?? (site.nrs.length === 0 ? 'its number is not known' : site.nrs.length === 1 ? 'its number comes from its callers' : 'it makes one of several syscalls'));
      continue;
    }
    const nr = site.nrs[0] as number;
    if (nr === RT_SIGRETURN) {
      keep('rt_sigreturn: unwinders recognize the signal trampoline by its bytes');
      continue;
    }
    const start = BigInt(site.window.start);
    const end = BigInt(site.window.end);
    if (start < taken) {
      keep('its window overlaps the one before');
      continue;
    }
    const window = readAtVaddr(elf, start, Number(end - start));
    const at = Number(BigInt(site.address) - start);
    if (window === undefined || window[at] !== 0x0f || window[at + 1] !== 0x05) {
      keep('the file has no syscall instruction there');
      continue;
    }
    while (code.length % SLOT !== 0) code.push(0xcc);
    const address = segmentStart + BigInt(code.length);
    const words = identityWords(nr);
    const body = trampoline(address, { before: window.subarray(0, at), after: window.subarray(at + 2) }, end, nr, words);
    const jump = windowPatch(start, window.length, address);
    if (body === undefined || jump === undefined) {
      keep('the new segment is out of a jump\'s reach');
      continue;
    }
    code.push(...body);
    patches.push({ at: start, bytes: jump });
    taken = end;
    outcomes.push({ site, patched: words === undefined ? 'syscall' : 'user-space' });
  }
  if (patches.length === 0) return { outcomes };
  const patched = new Uint8Array(elf.bytes);
  for (const p of patches) patched.set(p.bytes, Number(vaddrToOffset(elf, p.at)));
  const bytes = addLoadSegment(patched, elf, { data: Uint8Array.from(code), vaddr: segmentStart, paddr: segmentStart, flags: PF_R | PF_X, align: PAGE });
  return { bytes, outcomes };
}

/** The first page boundary above every loadable segment. */
function endOfLoad(elf: ElfFile): bigint {
  let end = 0n;
  for (const p of elf.programHeaders) if (p.type === PT_LOAD && p.vaddr + p.memsz > end) end = p.vaddr + p.memsz;
  return ((end + PAGE - 1n) / PAGE) * PAGE;
}
