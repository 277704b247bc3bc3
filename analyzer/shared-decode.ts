// An object's known functions decoded on several threads at once: the object's own thread takes
// lists of them from the end, idle worker threads of the object pool from the front, until none is
// left. A function's decoding depends only on its bounds and the file, never on what was decoded
// before it, so the result is the one a single thread gives.
import { decodeFunction, type DecodedFunction, type GapMode, type ReadData, RegionDecoder } from './code/decode.js';
import { pack, type PackedFunctions, unpack } from './code/packed.js';
import { type ElfFile, executableRegions, PT_LOAD, readAtVaddr } from './elf/index.js';

/** What another thread needs to decode an object's functions: its bytes, its segments and its code regions (as analyzeObject orders them). */
export interface CodeImage {
  sha256: string;
  bytes: Uint8Array;
  programHeaders: ElfFile['programHeaders'];
  regions: { vaddr: number; offset: number; size: number }[];
}

/** Functions to decode: start, limit, end and gap mode (gapModes' index), four numbers each. */
export type DecodeList = Float64Array;

const gapModes: readonly GapMode[] = ['none', 'clean', 'resync'];

/** A list of functions for a helper to decode, and where its result goes. */
export interface DecodeShare {
  image: CodeImage;
  /** The next list for a helper, or undefined when none is left. */
  take(): { id: number; list: DecodeList } | undefined;
  /** A helper's result for list `id` (undefined: it failed, and the object's thread decodes the list). */
  done(id: number, result: PackedFunctions | undefined): void;
}

/** Idle threads that can help an object's analysis decode: the object pool's workers. */
export interface DecodeHelpers {
  offer(share: DecodeShare): void;
  withdraw(share: DecodeShare): void;
}

export interface ToDecode {
  bounds: { start: number; limit: number; end: number };
  gaps: GapMode;
  code?: DecodedFunction;
}

/**
 * Reads loaded data as a little-endian number (bss reads as zeros), or undefined outside the image:
 * the bytes readAtVaddr gives, read with numbers (jump tables read it for every entry). A file with
 * a segment past 2^53 is read through readAtVaddr itself.
 */
export function dataReader(elf: Pick<ElfFile, 'bytes' | 'programHeaders'>): ReadData {
  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD);
  if (loads.some((p) => p.vaddr + p.memsz > BigInt(Number.MAX_SAFE_INTEGER) || p.offset + p.filesz > BigInt(Number.MAX_SAFE_INTEGER))) return bigintReader(elf);
  const segs = loads.map((p) => ({ vaddr: Number(p.vaddr), memsz: Number(p.memsz), filesz: Number(p.filesz), offset: Number(p.offset) }));
  const { bytes } = elf;
  const byteAt = (s: (typeof segs)[number], rel: number): number => (rel < s.filesz ? (bytes[s.offset + rel] ?? 0) : 0);
  return (addr, size) => {
    for (const s of segs) {
      if (addr < s.vaddr || addr - s.vaddr + size > s.memsz) continue;
      const rel = addr - s.vaddr;
      let lo = 0;
      for (let i = Math.min(size, 4) - 1; i >= 0; i--) lo = lo * 256 + byteAt(s, rel + i);
      if (size < 8) return BigInt(lo);
      let hi = 0;
      for (let i = 7; i >= 4; i--) hi = hi * 256 + byteAt(s, rel + i);
      return (BigInt(hi) << 32n) | BigInt(lo);
    }
    return undefined;
  };
}

function bigintReader(elf: Pick<ElfFile, 'bytes' | 'programHeaders'>): ReadData {
  return (addr, size) => {
    const b = readAtVaddr(elf, BigInt(addr), size);
    if (b === undefined) return undefined;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  };
}

export function codeImage(elf: ElfFile, sha256: string): CodeImage {
  return {
    sha256,
    bytes: elf.bytes,
    programHeaders: elf.programHeaders,
    regions: executableRegions(elf).map((r) => ({ vaddr: Number(r.vaddr), offset: Number(r.offset), size: r.bytes.length })),
  };
}

const listSize = 1024;

/**
 * Decodes every function of `fns` (each starts in a code region), setting its code, with `decodeHere`
 * on this thread and with the helpers; returns the bytes the helpers decoded. This thread never waits
 * for a helper: once no list is left to hand out, it decodes those a helper has not returned yet (a
 * result that comes later is dropped: it is the same).
 */
export async function decodeShared<T extends ToDecode>(fns: readonly T[], image: CodeImage, helpers: DecodeHelpers, decodeHere: (f: T) => void): Promise<number> {
  const lists: T[][] = [];
  for (let i = 0; i < fns.length; i += listSize) lists.push(fns.slice(i, i + listSize));
  /** 1 once a list's functions have their code. */
  const decoded = new Uint8Array(lists.length);
  const decodeListHere = (id: number): void => {
    for (const f of lists[id]) decodeHere(f);
    decoded[id] = 1;
  };
  // Let the helpers' messages (their results, their requests for more) in.
  const letIn = (): Promise<void> => new Promise((r) => setImmediate(r));
  let front = 0;
  let back = lists.length;
  let helped = 0;
  const share: DecodeShare = {
    image,
    take() {
      return front < back ? { id: front, list: listOf(lists[front++]) } : undefined;
    },
    done(id, result) {
      if (decoded[id] === 1) return;
      if (result === undefined) {
        decodeListHere(id);
        return;
      }
      helped += result.decodedBytes;
      const code = unpack(result);
      lists[id].forEach((f, k) => (f.code = code[k]));
      decoded[id] = 1;
    },
  };
  helpers.offer(share);
  try {
    while (front < back) {
      decodeListHere(--back);
      await letIn();
    }
  } finally {
    helpers.withdraw(share);
  }
  for (let id = front - 1; id >= 0; id--) {
    await letIn();
    if (decoded[id] === 0) decodeListHere(id);
  }
  return helped;
}

function listOf(fns: readonly ToDecode[]): DecodeList {
  const list = new Float64Array(fns.length * 4);
  fns.forEach((f, k) => list.set([f.bounds.start, f.bounds.limit, f.bounds.end, gapModes.indexOf(f.gaps)], k * 4));
  return list;
}

/** A helper thread's side: the decoders of the last image it worked on, kept for its next lists. */
let current: { sha256: string; decoders: RegionDecoder[]; readData: ReadData } | undefined;

/** Decodes a list of an image's functions (on a helper thread). */
export function decodeList(image: CodeImage, list: DecodeList): PackedFunctions {
  if (current?.sha256 !== image.sha256) {
    for (const d of current?.decoders ?? []) d.free();
    current = {
      sha256: image.sha256,
      decoders: image.regions.map((r) => new RegionDecoder({ base: r.vaddr, bytes: image.bytes.subarray(r.offset, r.offset + r.size) })),
      readData: dataReader(image),
    };
  }
  const { decoders, readData } = current;
  const out: DecodedFunction[] = [];
  let bytes = 0;
  for (let k = 0; k < list.length; k += 4) {
    const [start, limit, end, gaps] = [list[k], list[k + 1], list[k + 2], gapModes[list[k + 3]]];
    const dec = decoders.find((d) => d.contains(start));
    if (dec === undefined) throw new Error(`0x${start.toString(16)} is outside the code`);
    const before = dec.decodedBytes;
    out.push(decodeFunction(dec, start, start, limit, readData, gaps, end));
    bytes += dec.decodedBytes - before;
  }
  return pack(out, bytes);
}
