// The aligned 8-byte words of loaded data, as numbers: where a fixed-address executable, which has no
// relocations, keeps its pointers. A value past 2^53 is rounded as Number(bigint) rounds it (it is
// never an address of the file); no BigInt is made per word.
import { type ElfFile, readAtVaddr } from './elf/index.js';

const R_X86_64_RELATIVE = 8;

/** Values in [lo, hi): a scan asks only about words that may be addresses of the file. */
export interface ValueRange {
  lo: number;
  hi: number;
}

export function forEachWord(bytes: Uint8Array, addr: bigint, visit: (wordAddr: number, value: number) => void, range: ValueRange = { lo: 0, hi: Infinity }): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const skip = Number((8n - (addr % 8n)) % 8n);
  const base = Number(addr);
  const { lo, hi } = range;
  if (hi <= 2 ** 32) {
    // Every wanted value fits in the low half: most words are ruled out by one 32-bit read.
    for (let o = skip; o + 8 <= bytes.length; o += 8) {
      if (view.getUint32(o + 4, true) !== 0) continue;
      const v = view.getUint32(o, true);
      if (v >= lo && v < hi) visit(base + o, v);
    }
    return;
  }
  for (let o = skip; o + 8 <= bytes.length; o += 8) {
    const v = view.getUint32(o + 4, true) * 2 ** 32 + view.getUint32(o, true);
    if (v >= lo && v < hi) visit(base + o, v);
  }
}

/**
 * The 8-byte word at an address as the loader leaves it: a relative relocation's addend where one
 * applies (PIE and libraries keep their pointers so, the file may hold 0 there), else the file's
 * bytes; undefined outside the loaded image. The relocations are indexed on the first read.
 */
export function loadedWordReader(elf: ElfFile): (addr: number) => number | undefined {
  let relocated: Map<number, number> | undefined;
  return (addr) => {
    relocated ??= new Map(elf.relocations.filter((r) => r.type === R_X86_64_RELATIVE).map((r) => [Number(r.offset), Number(r.addend)]));
    const hit = relocated.get(addr);
    if (hit !== undefined) return hit;
    const b = readAtVaddr(elf, BigInt(addr), 8);
    if (b === undefined) return undefined;
    let value: number | undefined;
    forEachWord(b, BigInt(addr), (_, v) => (value = v));
    return value;
  };
}
