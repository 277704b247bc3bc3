// Absolute paths a binary names: NUL-terminated strings in its read-only data that look like a
// path ("/etc/nginx/nginx.conf", "/var/lib/nginx/body"), for the packager's discovery of the files a
// program opens at paths fixed when it was built. A string with format directives, spaces or glob
// characters is not a path; "a:b" lists (PATH-like) give each of their parts.
import type { ElfFile } from './elf/index.js';
import { SHF_ALLOC, SHF_EXECINSTR, SHT_PROGBITS } from './elf/index.js';

const SHF_WRITE = 0x1n;
const PF_X = 1;
const PF_W = 2;
const PT_LOAD = 1;
const MAX_PATH = 4095;
// Characters of paths as programs name them; the rest ('%', '*', ' ', quotes...) rule a string out.
const PATH_TEXT = /^\/[A-Za-z0-9._+@,=~-]+(\/[A-Za-z0-9._+@,=~-]+)*\/?$/;

/** The byte ranges of read-only, non-executable data: sections when there are any, else segments. */
function readOnlyRanges(elf: ElfFile): [number, number][] {
  const sections = elf.sections.filter(
    (s) => s.type === SHT_PROGBITS && (s.flags & SHF_ALLOC) !== 0n && (s.flags & (SHF_WRITE | SHF_EXECINSTR)) === 0n,
  );
  if (sections.length > 0) return sections.map((s) => [Number(s.offset), Number(s.offset + s.size)]);
  return elf.programHeaders
    .filter((p) => p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === 0)
    .map((p) => [Number(p.offset), Number(p.offset + p.filesz)]);
}

/** The path-like strings of a piece of text: itself, or the parts of a colon-separated list. */
function pathsIn(text: string): string[] {
  const parts = text.includes(':') ? text.split(':') : [text];
  return parts.filter((p) => p.length >= 2 && p.length <= MAX_PATH && PATH_TEXT.test(p) && !p.includes('//') && /[A-Za-z]/.test(p));
}

/** The absolute paths named in elf's read-only data, each once, in order of first appearance. */
export function namedPaths(elf: ElfFile): string[] {
  const found = new Set<string>();
  const bytes = elf.bytes;
  const decoder = new TextDecoder('latin1');
  for (const [start, end] of readOnlyRanges(elf)) {
    const stop = Math.min(end, bytes.length);
    let i = start;
    while (i < stop) {
      if (bytes[i] !== 0x2f || (i > start && bytes[i - 1] !== 0)) {
        i++;
        continue;
      }
      let j = i;
      while (j < stop && bytes[j] !== 0 && j - i <= MAX_PATH) j++;
      if (j < stop && bytes[j] === 0) for (const p of pathsIn(decoder.decode(bytes.subarray(i, j)))) found.add(p);
      i = j + 1;
    }
  }
  return [...found];
}
