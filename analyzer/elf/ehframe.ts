// Function ranges from the unwind tables. With .eh_frame_hdr we follow its sorted search table to
// each FDE; without it we walk .eh_frame entry by entry. Either way every FDE's pc_begin/pc_range
// is decoded with its CIE's pointer encoding (the 'R' augmentation).
import { PT_GNU_EH_FRAME, PT_LOAD, SHT_NOBITS } from './constants.js';
import { ByteReader } from './reader.js';
import type { FdeRange, ProgramHeader, SectionHeader } from './types.js';

const DW_EH_PE_omit = 0xff;

/** Bytes with the virtual address of their first byte: pcrel pointers are relative to a field's address. */
export interface Area {
  r: ByteReader;
  vaddr: bigint;
}

export interface Decoded {
  value: bigint;
  next: number;
}

export function parseFdes(r: ByteReader, phs: ProgramHeader[], sections: SectionHeader[]): FdeRange[] {
  const fdes = fromHeader(r, phs, sections) ?? fromSection(r, sections);
  return fdes.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
}

function fromHeader(r: ByteReader, phs: ProgramHeader[], sections: SectionHeader[]): FdeRange[] | undefined {
  const sec = sections.find((s) => s.name === '.eh_frame_hdr' && s.type !== SHT_NOBITS);
  const seg = phs.find((p) => p.type === PT_GNU_EH_FRAME);
  const where = sec !== undefined ? { offset: sec.offset, size: sec.size, vaddr: sec.addr } : seg !== undefined ? { offset: seg.offset, size: seg.filesz, vaddr: seg.vaddr } : undefined;
  if (where === undefined) return undefined;
  const hdr: Area = { r: r.sub(where.offset, where.size, '.eh_frame_hdr'), vaddr: where.vaddr };
  if (hdr.r.length < 4 || hdr.r.u8(0) !== 1) r.fail(`.eh_frame_hdr: unsupported version ${hdr.r.length > 0 ? hdr.r.u8(0) : 'none'}`);
  const ptrEnc = hdr.r.u8(1);
  const countEnc = hdr.r.u8(2);
  const tableEnc = hdr.r.u8(3);
  if (ptrEnc === DW_EH_PE_omit) return undefined;
  const framePtr = readEncoded(hdr, 4, ptrEnc, hdr.vaddr, '.eh_frame_hdr');
  if (countEnc === DW_EH_PE_omit || tableEnc === DW_EH_PE_omit) return undefined; // no table: walk .eh_frame
  const count = readEncoded(hdr, framePtr.next, countEnc, hdr.vaddr, '.eh_frame_hdr');
  // Each table entry takes at least two bytes: a count beyond that cannot be honest.
  if (count.value > BigInt(hdr.r.length)) r.fail(`.eh_frame_hdr: FDE count ${count.value} does not fit in the section`);
  const frame = loadAreaAt(r, phs, framePtr.value);
  if (frame === undefined) return undefined;
  const cies = new Map<number, number>();
  const out: FdeRange[] = [];
  let at = count.next;
  for (let i = 0n; i < count.value; i++) {
    const loc = readEncoded(hdr, at, tableEnc, hdr.vaddr, '.eh_frame_hdr');
    const fde = readEncoded(hdr, loc.next, tableEnc, hdr.vaddr, '.eh_frame_hdr');
    at = fde.next;
    const fdeAt = fde.value - frame.vaddr;
    if (fdeAt < 0n || fdeAt >= BigInt(frame.r.length)) r.fail(`.eh_frame_hdr: FDE address 0x${fde.value.toString(16)} is outside its segment`);
    const range = readEntry(frame, Number(fdeAt), cies);
    if (range === undefined || range === 'end') r.fail(`.eh_frame_hdr: entry ${i} does not point to an FDE`);
    out.push(range.range);
  }
  return out;
}

function fromSection(r: ByteReader, sections: SectionHeader[]): FdeRange[] {
  const sec = sections.find((s) => s.name === '.eh_frame' && s.type !== SHT_NOBITS);
  if (sec === undefined) return [];
  const frame: Area = { r: r.sub(sec.offset, sec.size, '.eh_frame'), vaddr: sec.addr };
  const cies = new Map<number, number>();
  const out: FdeRange[] = [];
  for (let at = 0; at + 4 <= frame.r.length; ) {
    const entry = readEntry(frame, at, cies);
    if (entry === 'end') break;
    if (entry !== undefined) out.push(entry.range);
    at = entry?.next ?? entryEnd(frame, at);
  }
  return out;
}

/** The file-backed part of the PT_LOAD holding `vaddr`, as an Area. */
function loadAreaAt(r: ByteReader, phs: ProgramHeader[], vaddr: bigint): Area | undefined {
  const ph = phs.find((p) => p.type === PT_LOAD && vaddr >= p.vaddr && vaddr - p.vaddr < p.filesz);
  return ph === undefined ? undefined : { r: r.sub(ph.offset, ph.filesz, `segment ${ph.index}`), vaddr: ph.vaddr };
}

export interface Header {
  /** Offset of the CIE id / CIE pointer field. */
  idAt: number;
  /** Offset of the field after it. */
  body: number;
  end: number;
  wide: boolean;
}

export function entryHeader(a: Area, at: number): Header | 'end' {
  const length = a.r.u32(at);
  if (length === 0) return 'end';
  if (length === 0xffffffff) {
    const long = a.r.u64(at + 4);
    if (long > BigInt(a.r.length)) a.r.fail(`.eh_frame entry at 0x${at.toString(16)} is longer than the section`);
    const end = at + 12 + Number(long);
    a.r.check(at, end - at, '.eh_frame entry');
    return { idAt: at + 12, body: at + 20, end, wide: true };
  }
  const end = at + 4 + length;
  a.r.check(at, end - at, '.eh_frame entry');
  return { idAt: at + 4, body: at + 8, end, wide: false };
}

function entryEnd(a: Area, at: number): number {
  const h = entryHeader(a, at);
  return h === 'end' ? a.r.length : h.end;
}

/** An FDE's range, undefined for a CIE, 'end' at a zero terminator. */
function readEntry(a: Area, at: number, cies: Map<number, number>): { range: FdeRange; next: number } | undefined | 'end' {
  const h = entryHeader(a, at);
  if (h === 'end') return 'end';
  const id = h.wide ? a.r.u64(h.idAt) : BigInt(a.r.u32(h.idAt));
  if (id === 0n) return undefined;
  // The CIE pointer counts back from its own field.
  const cieAt = BigInt(h.idAt) - id;
  if (cieAt < 0n) a.r.fail(`.eh_frame: FDE at 0x${at.toString(16)} points before the section to its CIE`);
  const enc = cieEncoding(a, Number(cieAt), cies);
  const begin = readEncoded(a, h.body, enc, undefined, '.eh_frame FDE');
  const range = readEncoded(a, begin.next, enc & 0x0f, undefined, '.eh_frame FDE');
  if (range.next > h.end) a.r.fail(`.eh_frame: FDE at 0x${at.toString(16)} is shorter than its fields`);
  return { range: { start: begin.value, end: BigInt.asUintN(64, begin.value + range.value) }, next: h.end };
}

/** What an FDE needs of its CIE: the pointer encoding (its 'R' augmentation, absptr without one),
 * whether FDEs have augmentation data ('z'), and for unwinding (cfi.ts) the alignment factors, the
 * return address column and where the initial instructions lie. */
export interface Cie {
  enc: number;
  z: boolean;
  codeAlign: bigint;
  dataAlign: bigint;
  raReg: number;
  instructions: { start: number; end: number };
}

function cieEncoding(a: Area, at: number, cies: Map<number, number>): number {
  const cached = cies.get(at);
  if (cached !== undefined) return cached;
  const enc = readCie(a, at).enc;
  cies.set(at, enc);
  return enc;
}

export function readCie(a: Area, at: number): Cie {
  const h = entryHeader(a, at);
  if (h === 'end' || (h.wide ? a.r.u64(h.idAt) : BigInt(a.r.u32(h.idAt))) !== 0n) {
    a.r.fail(`.eh_frame: FDE's CIE pointer to 0x${at.toString(16)} does not lead to a CIE`);
  }
  const r = a.r;
  let p = h.body;
  const version = r.u8(p++);
  if (version !== 1 && version !== 3 && version !== 4) r.fail(`.eh_frame: CIE at 0x${at.toString(16)} has unknown version ${version}`);
  const augLen = r.bytes.subarray(p, h.end).indexOf(0);
  const augEnd = p + augLen;
  if (augLen < 0) r.fail(`.eh_frame: CIE at 0x${at.toString(16)} has an unterminated augmentation string`);
  const aug = String.fromCharCode(...r.bytes.subarray(p, Math.min(augEnd, p + 16)));
  p = augEnd + 1;
  if (aug.includes('eh')) p += 8; // old GCC: an eh_ptr field
  if (version === 4) p += 2; // address_size, segment_selector_size
  const codeAlign = uleb(r, p);
  const dataAlign = sleb(r, codeAlign.next);
  p = dataAlign.next;
  const ra = version === 1 ? { value: BigInt(r.u8(p)), next: p + 1 } : uleb(r, p);
  p = ra.next;
  let enc = 0; // DW_EH_PE_absptr
  const z = aug.startsWith('z');
  if (z) {
    const len = uleb(r, p);
    const dataEnd = len.next + Number(len.value);
    p = len.next;
    for (const c of aug.slice(1)) {
      if (c === 'R') enc = r.u8(p++);
      else if (c === 'L') p++;
      else if (c === 'P') {
        const penc = r.u8(p++);
        p = readEncoded(a, p, penc & 0x0f, undefined, '.eh_frame CIE').next;
      } else if (c !== 'S' && c !== 'B' && c !== 'G') break; // unknown: the rest cannot be parsed, 'R' precedes it in practice
    }
    p = Math.max(p, dataEnd);
  }
  if (p > h.end) r.fail(`.eh_frame: CIE at 0x${at.toString(16)} is shorter than its fields`);
  return { enc, z, codeAlign: codeAlign.value, dataAlign: BigInt.asIntN(64, dataAlign.value), raReg: Number(ra.value), instructions: { start: p, end: h.end } };
}

export function uleb(r: ByteReader, at: number): Decoded {
  let value = 0n;
  // At most 10 bytes encode 64 bits: a longer run is corrupt, not a reason to loop.
  for (let i = 0; i < 10; i++) {
    const b = r.u8(at + i);
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return { value: BigInt.asUintN(64, value), next: at + i + 1 };
  }
  return r.fail(`LEB128 number at 0x${at.toString(16)} in ${r.what} is longer than 10 bytes`);
}

export function sleb(r: ByteReader, at: number): Decoded {
  const u = uleb(r, at);
  const bits = BigInt(7 * (u.next - at));
  const last = r.u8(u.next - 1);
  const value = (last & 0x40) !== 0 && bits < 64n ? u.value - (1n << bits) : u.value;
  return { value: BigInt.asUintN(64, value), next: u.next };
}

/** A DW_EH_PE-encoded pointer at `at`; `dataBase` is what datarel is relative to (the .eh_frame_hdr start). */
export function readEncoded(a: Area, at: number, enc: number, dataBase: bigint | undefined, what: string): Decoded {
  const r = a.r;
  let d: Decoded;
  switch (enc & 0x0f) {
    case 0x00: d = { value: r.u64(at), next: at + 8 }; break;
    case 0x01: d = uleb(r, at); break;
    case 0x02: d = { value: BigInt(r.u16(at)), next: at + 2 }; break;
    case 0x03: d = { value: BigInt(r.u32(at)), next: at + 4 }; break;
    case 0x04: d = { value: r.u64(at), next: at + 8 }; break;
    case 0x09: d = sleb(r, at); break;
    case 0x0a: d = { value: BigInt.asUintN(64, BigInt((r.u16(at) << 16) >> 16)), next: at + 2 }; break;
    case 0x0b: d = { value: BigInt.asUintN(64, BigInt(r.i32(at))), next: at + 4 }; break;
    case 0x0c: d = { value: BigInt.asUintN(64, r.i64(at)), next: at + 8 }; break;
    default: return r.fail(`${what}: unsupported pointer encoding 0x${enc.toString(16)}`);
  }
  switch (enc & 0x70) {
    case 0x00: return d;
    case 0x10: return { value: BigInt.asUintN(64, d.value + a.vaddr + BigInt(at)), next: d.next };
    case 0x30:
      if (dataBase === undefined) return r.fail(`${what}: datarel pointer encoding outside .eh_frame_hdr`);
      return { value: BigInt.asUintN(64, d.value + dataBase), next: d.next };
    default: return r.fail(`${what}: unsupported pointer encoding 0x${enc.toString(16)}`);
  }
}
