// The ELF header: identification checks (the friendly errors for files ukify cannot run) and fields.
import { ELF_HEADER_SIZE, EM_X86_64, machineName, PHDR_SIZE, PN_XNUM, SHDR_SIZE, SHN_XINDEX } from './constants.js';
import type { ByteReader } from './reader.js';
import type { ElfHeader } from './types.js';

const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;

export function parseHeader(r: ByteReader): ElfHeader {
  const b = r.bytes;
  if (b.length < 4 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) {
    r.fail(b.length === 0 ? 'not an ELF file (it is empty)' : 'not an ELF file');
  }
  const unsupported = ': ukify runs x86-64 programs';
  if (b.length < 6) r.fail(`truncated: ELF identification ends at 0x10 past the file's end (0x${b.length.toString(16)})`);
  if (b[4] === ELFCLASS32) r.fail(`32-bit ELF (ELFCLASS32) is not supported${unsupported}`);
  if (b[4] !== ELFCLASS64) r.fail(`unknown ELF class ${b[4]} (expected ELFCLASS64)`);
  if (b[5] === ELFDATA2MSB) r.fail(`big-endian ELF (ELFDATA2MSB) is not supported${unsupported}`);
  if (b[5] !== ELFDATA2LSB) r.fail(`unknown ELF data encoding ${b[5]} (expected little-endian)`);
  r.check(0, ELF_HEADER_SIZE, 'ELF header');
  const machine = r.u16(18);
  if (machine !== EM_X86_64) {
    r.fail(`not an x86-64 program (e_machine ${machine}: ${machineName(machine)})${unsupported}`);
  }
  return {
    type: r.u16(16),
    machine,
    version: r.u32(20),
    osabi: r.u8(7),
    abiversion: r.u8(8),
    entry: r.u64(24),
    phoff: r.u64(32),
    shoff: r.u64(40),
    flags: r.u32(48),
    ehsize: r.u16(52),
    phentsize: r.u16(54),
    phnum: r.u16(56),
    shentsize: r.u16(58),
    shnum: r.u16(60),
    shstrndx: r.u16(62),
  };
}

export interface TableCounts {
  phnum: number;
  shnum: number;
  shstrndx: number;
}

/**
 * The real table sizes. Past 0xfeff entries ELF stores the counts in section header 0
 * (sh_size: section count, sh_link: string table index, sh_info: program header count).
 */
export function tableCounts(r: ByteReader, h: ElfHeader): TableCounts {
  let { phnum, shnum, shstrndx } = h;
  const extended = h.shoff !== 0n && (shnum === 0 || shstrndx === SHN_XINDEX || phnum === PN_XNUM);
  if (extended) {
    const at = r.range(h.shoff, BigInt(SHDR_SIZE), 'section header 0');
    if (shnum === 0) {
      const size = r.u64(at + 32);
      // Bounded by the file: each header takes 64 bytes.
      if (size > BigInt(r.length)) r.fail(`section count ${size} in section header 0 is larger than the file`);
      shnum = Number(size);
    }
    if (shstrndx === SHN_XINDEX) shstrndx = r.u32(at + 40);
    if (phnum === PN_XNUM) phnum = r.u32(at + 44);
  }
  if (h.shoff === 0n) shnum = 0;
  if (phnum > 0 && h.phentsize !== PHDR_SIZE) r.fail(`e_phentsize is ${h.phentsize}, expected ${PHDR_SIZE}`);
  if (shnum > 0 && h.shentsize !== SHDR_SIZE) r.fail(`e_shentsize is ${h.shentsize}, expected ${SHDR_SIZE}`);
  return { phnum, shnum, shstrndx };
}
