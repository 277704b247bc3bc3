// Addresses to bytes: virtual addresses through PT_LOAD segments, sections, and the code regions
// the disassembler walks.
import { PF_X, PT_LOAD, SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS } from './constants.js';
import { ElfError } from './error.js';
import type { CodeRegion, ElfFile, SectionHeader } from './types.js';

type Mapped = Pick<ElfFile, 'bytes' | 'programHeaders' | 'fileName'>;

/** The file offset holding `vaddr`, or undefined when no PT_LOAD maps it from the file (bss included). */
export function vaddrToOffset(elf: Pick<ElfFile, 'programHeaders'>, vaddr: bigint): bigint | undefined {
  for (const ph of elf.programHeaders) {
    if (ph.type === PT_LOAD && vaddr >= ph.vaddr && vaddr - ph.vaddr < ph.filesz) return ph.offset + (vaddr - ph.vaddr);
  }
  return undefined;
}

/**
 * `length` bytes at `vaddr`, as the loader would map them: the range must lie in one PT_LOAD's memory
 * image; bytes past the segment's file size (bss) read as zeros. Undefined when unmapped.
 * A range fully backed by the file is returned as a view into `elf.bytes` (no copy): do not modify it.
 */
export function readAtVaddr(elf: Mapped, vaddr: bigint, length: number): Uint8Array | undefined {
  if (!(Number.isSafeInteger(length) && length >= 0)) return undefined;
  const len = BigInt(length);
  for (const ph of elf.programHeaders) {
    if (ph.type !== PT_LOAD || vaddr < ph.vaddr || vaddr - ph.vaddr + len > ph.memsz) continue;
    if (length === 0) return new Uint8Array(0);
    const rel = vaddr - ph.vaddr;
    const fileEnd = rel + len <= ph.filesz ? rel + len : ph.filesz;
    if (rel + len <= ph.filesz) {
      const start = Number(ph.offset + rel);
      return elf.bytes.subarray(start, start + length);
    }
    const out = new Uint8Array(length);
    if (rel < ph.filesz) {
      const start = Number(ph.offset + rel);
      out.set(elf.bytes.subarray(start, start + Number(fileEnd - rel)));
    }
    return out;
  }
  return undefined;
}

/** The bytes of a section in the file (empty for SHT_NOBITS). A view, not a copy. */
export function sectionBytes(elf: Pick<ElfFile, 'bytes' | 'fileName'>, section: SectionHeader): Uint8Array {
  if (section.type === SHT_NOBITS) return new Uint8Array(0);
  const end = section.offset + section.size;
  if (end > BigInt(elf.bytes.length)) {
    throw new ElfError(`truncated: section ${section.name || section.index} ends at 0x${end.toString(16)} past the file's end (0x${elf.bytes.length.toString(16)})`, elf.fileName);
  }
  return elf.bytes.subarray(Number(section.offset), Number(end));
}

export function findSection(elf: Pick<ElfFile, 'sections'>, name: string): SectionHeader | undefined {
  return elf.sections.find((s) => s.name === name);
}

/**
 * The code to disassemble: the allocated executable sections when the file has section headers,
 * else the file-backed part of each executable PT_LOAD (stripped of section headers, e.g. sstrip).
 */
export function executableRegions(elf: Mapped & Pick<ElfFile, 'sections'>): CodeRegion[] {
  const fromSections = elf.sections.filter(
    (s) => (s.flags & SHF_EXECINSTR) !== 0n && (s.flags & SHF_ALLOC) !== 0n && s.type !== SHT_NOBITS && s.size > 0n,
  );
  if (fromSections.length > 0) {
    return fromSections.map((s) => ({ name: s.name, vaddr: s.addr, offset: s.offset, bytes: sectionBytes(elf, s) }));
  }
  return elf.programHeaders
    .filter((p) => p.type === PT_LOAD && (p.flags & PF_X) !== 0 && p.filesz > 0n)
    .map((p) => ({
      name: `segment ${p.index}`,
      vaddr: p.vaddr,
      offset: p.offset,
      bytes: elf.bytes.subarray(Number(p.offset), Number(p.offset + p.filesz)),
    }));
}
