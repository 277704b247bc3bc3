// Exported functions an object looks up by name at run time (musl's loader finds its stage-2/3
// functions in its own symbol table with the strings "__dls2b" and "__dls3"). A name only counts
// where something points at it: a reachable function that takes the string's address (the caller
// treats it as an address taken), or a pointer stored in data (a root, as data is not tracked).
import { forEachWord, loadedWordReader } from './data-words.js';
import { type ElfFile, PF_X, PT_LOAD, readAtVaddr } from './elf/index.js';

const R_X86_64_RELATIVE = 8;
const ET_EXEC = 2;
const maxName = 128;
/** A table of names is read up to this many words, and ends where this many words in a row name nothing. */
const maxTableWords = 4096;
const maxTableGap = 3;

export type ExportNamer = (addr: number) => number | undefined;

/**
 * Which strings a reader wants: none longer than maxLength, none starting with a byte not in first,
 * none holding a byte not in rest.
 */
interface Wanted {
  maxLength: number;
  first: Uint8Array;
  rest: Uint8Array;
  lengths: ReadonlySet<number>;
}

/**
 * Reads the NUL-terminated string at addr in a loaded segment (old links keep .rodata with the code),
 * up to maxName bytes, or undefined; a string the reader does not want is rejected before it is built
 * (scanned only up to its first unwanted byte). Numbers only: it is asked about every reference the
 * code makes to data, and every aligned word of a fixed-address executable's data.
 */
function cStringReader(elf: ElfFile): (addr: number, wanted: Wanted) => string | undefined {
  const segs = elf.programHeaders
    .filter((p) => p.type === PT_LOAD)
    .map((p) => ({ lo: Number(p.vaddr), hi: Number(p.vaddr + p.filesz), offset: Number(p.offset) }));
  const bytes = elf.bytes;
  // Each byte as one character (latin1), as String.fromCharCode reads them.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const segmentOf = (addr: number): (typeof segs)[number] | undefined => {
    for (const p of segs) if (addr >= p.lo && addr < p.hi) return p;
    return undefined;
  };
  return (addr, wanted) => {
    const seg = segmentOf(addr);
    if (seg === undefined) return undefined;
    const start = seg.offset + (addr - seg.lo);
    if (wanted.first[bytes[start]] !== 1) return undefined;
    const longest = Math.min(maxName, wanted.maxLength);
    const stop = Math.min(start + Math.min(longest + 1, seg.hi - addr), bytes.length);
    let end = start + 1;
    while (end < stop && bytes[end] !== 0) {
      if (wanted.rest[bytes[end]] !== 1) return undefined;
      end++;
    }
    if (end === stop || !wanted.lengths.has(end - start)) return undefined;
    return text.toString('latin1', start, end);
  };
}

/** Maps an address to the start of the exported function the string there names. */
export function exportNamer(elf: ElfFile, exports: readonly { name: string; addr: number }[]): ExportNamer {
  const byName = new Map(exports.map((e) => [e.name, e.addr]));
  const first = new Uint8Array(256);
  const rest = new Uint8Array(256);
  for (const e of exports) {
    if (e.name.length > 0) first[e.name.charCodeAt(0) & 0xff] = 1;
    for (let i = 1; i < e.name.length; i++) rest[e.name.charCodeAt(i) & 0xff] = 1;
  }
  const lengths = new Set(exports.map((e) => e.name.length));
  const wanted: Wanted = { maxLength: Math.max(0, ...lengths), first, rest, lengths };
  const read = cStringReader(elf);
  return (addr) => {
    if (byName.size === 0) return undefined;
    const s = read(addr, wanted);
    return s === undefined ? undefined : byName.get(s);
  };
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]+$/;

/** Strings that may be identifiers: a letter or underscore first, then letters, digits, underscores; two characters at least. */
function identifierWanted(): Wanted {
  const first = new Uint8Array(256);
  const rest = new Uint8Array(256);
  for (let c = 0; c < 256; c++) {
    if (/[A-Za-z_]/.test(String.fromCharCode(c))) first[c] = 1;
    if (/[A-Za-z0-9_]/.test(String.fromCharCode(c))) rest[c] = 1;
  }
  return { maxLength: maxName, first, rest, lengths: new Set(Array.from({ length: maxName - 1 }, (_, i) => i + 2)) };
}

/**
 * The identifier spelled by the string at addr (a function's name, as passed to dlsym); identifiers
 * found are remembered. A pointer into the middle of a longer string reads its tail: the linker merges
 * "pkey_alloc" into the end of "xpkey_alloc".
 */
export function identifierReader(elf: ElfFile): (addr: number) => string | undefined {
  const memo = new Map<number, string>();
  const read = cStringReader(elf);
  const wanted = identifierWanted();
  return (addr) => {
    const known = memo.get(addr);
    if (known !== undefined) return known;
    const s = read(addr, wanted);
    if (s === undefined || !identifier.test(s)) return undefined;
    memo.set(addr, s);
    return s;
  };
}

/**
 * The identifiers a table of string pointers at addr holds (as a loop hands them to dlsym): aligned
 * words from addr, as loaded, each pointing at an identifier or not (an array of names ends with
 * NULL; an array of structs holds other fields between its names), up to the first maxTableGap words
 * in a row that name nothing.
 */
export function tableNamesReader(elf: ElfFile, identifierAt: (addr: number) => string | undefined): (addr: number) => string[] {
  const wordAt = loadedWordReader(elf);
  return (addr) => {
    const out: string[] = [];
    if (addr % 8 !== 0) return out;
    for (let k = 0, lastHit = -1; k < maxTableWords && k - lastHit <= maxTableGap; k++) {
      const w = wordAt(addr + 8 * k);
      if (w === undefined) break;
      const id = identifierAt(w);
      if (id === undefined) continue;
      out.push(id);
      lastHit = k;
    }
    return out;
  };
}

/** Functions that find a function by its name at run time: the name is their second argument. */
export const lookupFunctions = new Set(['dlsym', 'dlvsym', '__libc_dlsym', '__libc_dlvsym', '__dlsym', '__dlvsym', '___dlsym']);

/** Exports named by strings that data points at: relocated pointers, and aligned words of fixed-address executables. */
export function exportsNamedFromData(elf: ElfFile, namer: ExportNamer): number[] {
  const out = new Set<number>();
  const add = (addr: number): void => {
    const hit = namer(addr);
    if (hit !== undefined) out.add(hit);
  };
  for (const r of elf.relocations) if (r.type === R_X86_64_RELATIVE) add(Number(r.addend));
  if (elf.header.type === ET_EXEC) {
    // A name lies in a loaded segment: other words name nothing.
    const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD);
    const loaded = { lo: Math.min(...loads.map((p) => Number(p.vaddr))), hi: Math.max(...loads.map((p) => Number(p.vaddr + p.filesz))) };
    for (const p of loads) {
      if ((p.flags & PF_X) !== 0) continue;
      const b = readAtVaddr(elf, p.vaddr, Number(p.filesz));
      if (b !== undefined) forEachWord(b, p.vaddr, (_, v) => add(v), loaded);
    }
  }
  return [...out];
}
