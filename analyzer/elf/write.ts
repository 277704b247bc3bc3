// Writing ELF files: re-encode the headers (writeElf), patch bytes at a virtual address, and add a
// PT_LOAD segment (in a spare program header slot, or with the table moved). Each function returns
// a new buffer and leaves its input untouched.
import { vaddrToOffset } from './address.js';
import { PHDR_SIZE, PN_XNUM, PT_GNU_PROPERTY, PT_LOAD, PT_NOTE, PT_PHDR, SHDR_SIZE } from './constants.js';
import { ElfError } from './error.js';
import type { ElfFile, ElfHeader, ProgramHeader, SectionHeader } from './types.js';

const view = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

function encodeHeader(d: DataView, h: ElfHeader): void {
  d.setUint8(7, h.osabi);
  d.setUint8(8, h.abiversion);
  d.setUint16(16, h.type, true);
  d.setUint16(18, h.machine, true);
  d.setUint32(20, h.version, true);
  d.setBigUint64(24, h.entry, true);
  d.setBigUint64(32, h.phoff, true);
  d.setBigUint64(40, h.shoff, true);
  d.setUint32(48, h.flags, true);
  d.setUint16(52, h.ehsize, true);
  d.setUint16(54, h.phentsize, true);
  d.setUint16(56, h.phnum, true);
  d.setUint16(58, h.shentsize, true);
  d.setUint16(60, h.shnum, true);
  d.setUint16(62, h.shstrndx, true);
}

function encodeProgramHeader(d: DataView, at: number, p: ProgramHeader): void {
  d.setUint32(at, p.type, true);
  d.setUint32(at + 4, p.flags, true);
  d.setBigUint64(at + 8, p.offset, true);
  d.setBigUint64(at + 16, p.vaddr, true);
  d.setBigUint64(at + 24, p.paddr, true);
  d.setBigUint64(at + 32, p.filesz, true);
  d.setBigUint64(at + 40, p.memsz, true);
  d.setBigUint64(at + 48, p.align, true);
}

/** Every field but sh_name, which the reader resolves to a string and the writer leaves as it was. */
function encodeSectionHeader(d: DataView, at: number, s: SectionHeader): void {
  d.setUint32(at + 4, s.type, true);
  d.setBigUint64(at + 8, s.flags, true);
  d.setBigUint64(at + 16, s.addr, true);
  d.setBigUint64(at + 24, s.offset, true);
  d.setBigUint64(at + 32, s.size, true);
  d.setUint32(at + 40, s.link, true);
  d.setUint32(at + 44, s.info, true);
  d.setBigUint64(at + 48, s.addralign, true);
  d.setBigUint64(at + 56, s.entsize, true);
}

/** The file with its ELF header, program headers and section headers encoded from `elf`'s fields. */
export function writeElf(elf: ElfFile): Uint8Array {
  const out = new Uint8Array(elf.bytes); // a copy (Buffer.slice would be a view)
  const d = view(out);
  encodeHeader(d, elf.header);
  const phoff = Number(elf.header.phoff);
  elf.programHeaders.forEach((p, i) => encodeProgramHeader(d, phoff + i * PHDR_SIZE, p));
  const shoff = Number(elf.header.shoff);
  elf.sections.forEach((s, i) => encodeSectionHeader(d, shoff + i * SHDR_SIZE, s));
  return out;
}

/** A copy of `bytes` (laid out as `elf`) with `data` written at `vaddr`, which must be file-backed. */
export function patchAtVaddr(bytes: Uint8Array, elf: ElfFile, vaddr: bigint, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes); // a copy (Buffer.slice would be a view)
  if (data.length === 0) return out;
  const start = vaddrToOffset(elf, vaddr);
  const last = vaddrToOffset(elf, vaddr + BigInt(data.length - 1));
  if (start === undefined || last === undefined || last - start !== BigInt(data.length - 1) || last >= BigInt(bytes.length)) {
    const what = `0x${vaddr.toString(16)}..0x${(vaddr + BigInt(data.length)).toString(16)}`;
    throw new ElfError(`cannot patch ${what}: it is not inside one segment's file contents`, elf.fileName);
  }
  out.set(data, Number(start));
  return out;
}

export interface NewSegment {
  data: Uint8Array;
  vaddr: bigint;
  paddr: bigint;
  flags: number; // PF_R=4, PF_W=2, PF_X=1
  align: bigint; // a power of two; 0 or 1: no constraint
}

/**
 * A copy of the file with one more PT_LOAD holding `data` at `vaddr`/`paddr`.
 * There is rarely a spare program header slot, so the program header table moves to the end of the
 * file, right after the data, inside the new segment: that keeps it in memory for loaders that find
 * it through AT_PHDR (glibc's static startup does), and PT_PHDR, if present, is moved with it.
 * Layout: [old file][zeros][data at an offset ≡ vaddr (mod align)][zeros to 8][program headers].
 * The segment's memsz equals its filesz (data + padding + table).
 */
export function appendLoadSegment(bytes: Uint8Array, elf: ElfFile, seg: NewSegment): Uint8Array {
  const fail = (why: string): never => {
    throw new ElfError(`cannot add a segment at 0x${seg.vaddr.toString(16)}: ${why}`, elf.fileName);
  };
  if (seg.align > 1n && (seg.align & (seg.align - 1n)) !== 0n) fail(`alignment 0x${seg.align.toString(16)} is not a power of two`);
  if (seg.align > 1n && seg.vaddr % seg.align !== seg.paddr % seg.align) fail('vaddr and paddr disagree modulo the alignment');
  const count = elf.programHeaders.length + 1;
  if (count >= PN_XNUM) fail('too many program headers');

  const align = seg.align > 1n ? seg.align : 1n;
  const end = BigInt(bytes.length);
  const dataOffset = end + ((seg.vaddr - end) % align + align) % align;
  const tableOffset = roundUp(dataOffset + BigInt(seg.data.length), 8n);
  const tableSize = BigInt(count * PHDR_SIZE);
  const size = tableOffset + tableSize - dataOffset;
  for (const p of elf.programHeaders) {
    if (p.type !== PT_LOAD) continue;
    if (overlaps(p.vaddr, p.memsz, seg.vaddr, size)) fail(`it overlaps segment ${p.index} (virtual addresses)`);
    if (overlaps(p.paddr, p.memsz, seg.paddr, size)) fail(`it overlaps segment ${p.index} (physical addresses)`);
  }

  const added: ProgramHeader = {
    index: 0, type: PT_LOAD, flags: seg.flags, offset: dataOffset, vaddr: seg.vaddr, paddr: seg.paddr,
    filesz: size, memsz: size, align: seg.align,
  };
  const table = elf.programHeaders.map((p) =>
    p.type === PT_PHDR
      ? { ...p, offset: tableOffset, vaddr: seg.vaddr + (tableOffset - dataOffset), paddr: seg.paddr + (tableOffset - dataOffset), filesz: tableSize, memsz: tableSize }
      : { ...p },
  );
  // Loaders expect PT_LOAD entries sorted by vaddr: insert before the first one above the new segment.
  const above = table.findIndex((p) => p.type === PT_LOAD && p.vaddr > seg.vaddr);
  const lastLoad = table.reduce((last, p, i) => (p.type === PT_LOAD ? i : last), -1);
  table.splice(above >= 0 ? above : lastLoad >= 0 ? lastLoad + 1 : table.length, 0, added);

  const out = new Uint8Array(Number(tableOffset + tableSize));
  out.set(bytes);
  out.set(seg.data, Number(dataOffset));
  const d = view(out);
  table.forEach((p, i) => encodeProgramHeader(d, Number(tableOffset) + i * PHDR_SIZE, { ...p, index: i }));
  encodeHeader(d, { ...elf.header, phoff: tableOffset, phnum: count, phentsize: PHDR_SIZE });
  return out;
}

/**
 * A copy of the file with one more PT_LOAD holding `data` at `vaddr`/`paddr`, its program header
 * table left where it is: a PT_NOTE entry (one PT_GNU_PROPERTY repeats, else the last) gives up its
 * slot, as nothing needs notes through program headers but an ABI tag check that passes without one,
 * and loaders that find the table at the load base plus e_phoff (musl's) keep finding it. The data goes
 * at the end of the file, at an offset ≡ vaddr (mod align). Without a PT_NOTE, appendLoadSegment.
 */
export function addLoadSegment(bytes: Uint8Array, elf: ElfFile, seg: NewSegment): Uint8Array {
  const notes = elf.programHeaders.filter((p) => p.type === PT_NOTE);
  const property = elf.programHeaders.find((p) => p.type === PT_GNU_PROPERTY);
  const spare = notes.find((p) => property !== undefined && p.offset === property.offset && p.filesz === property.filesz) ?? notes.at(-1);
  if (spare === undefined) return appendLoadSegment(bytes, elf, seg);
  const fail = (why: string): never => {
    throw new ElfError(`cannot add a segment at 0x${seg.vaddr.toString(16)}: ${why}`, elf.fileName);
  };
  const align = seg.align > 1n ? seg.align : 1n;
  if ((align & (align - 1n)) !== 0n) fail(`alignment 0x${align.toString(16)} is not a power of two`);
  const size = BigInt(seg.data.length);
  for (const p of elf.programHeaders) {
    if (p.type === PT_LOAD && (overlaps(p.vaddr, p.memsz, seg.vaddr, size) || overlaps(p.paddr, p.memsz, seg.paddr, size))) fail(`it overlaps segment ${p.index}`);
  }
  const end = BigInt(bytes.length);
  const offset = end + ((seg.vaddr - end) % align + align) % align;
  const added: ProgramHeader = { index: 0, type: PT_LOAD, flags: seg.flags, offset, vaddr: seg.vaddr, paddr: seg.paddr, filesz: size, memsz: size, align: seg.align };
  // Loaders expect PT_LOAD entries sorted by vaddr: the new one goes after the last below it.
  const table = elf.programHeaders.filter((p) => p !== spare);
  const lastBelow = table.reduce((last, p, i) => (p.type === PT_LOAD && p.vaddr < seg.vaddr ? i : last), -1);
  table.splice(lastBelow + 1, 0, added);
  const out = new Uint8Array(Number(offset + size));
  out.set(bytes);
  out.set(seg.data, Number(offset));
  const d = view(out);
  const phoff = Number(elf.header.phoff);
  table.forEach((p, i) => encodeProgramHeader(d, phoff + i * PHDR_SIZE, { ...p, index: i }));
  return out;
}

function roundUp(n: bigint, to: bigint): bigint {
  return ((n + to - 1n) / to) * to;
}

function overlaps(aStart: bigint, aSize: bigint, bStart: bigint, bSize: bigint): boolean {
  return aSize > 0n && bSize > 0n && aStart < bStart + bSize && bStart < aStart + aSize;
}
