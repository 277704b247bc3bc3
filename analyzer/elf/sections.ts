// Section headers and their names (from the section header string table).
import { SHDR_SIZE, SHN_UNDEF, SHT_NOBITS } from './constants.js';
import type { ByteReader } from './reader.js';
import type { ElfHeader, SectionHeader } from './types.js';

export function parseSectionHeaders(r: ByteReader, h: ElfHeader, count: number, shstrndx: number): SectionHeader[] {
  if (count === 0) return [];
  const base = r.range(h.shoff, BigInt(count) * BigInt(SHDR_SIZE), 'section header table');
  const raw: { nameOffset: number; header: SectionHeader }[] = [];
  for (let index = 0; index < count; index++) {
    const at = base + index * SHDR_SIZE;
    const header: SectionHeader = {
      index,
      name: '',
      type: r.u32(at + 4),
      flags: r.u64(at + 8),
      addr: r.u64(at + 16),
      offset: r.u64(at + 24),
      size: r.u64(at + 32),
      link: r.u32(at + 40),
      info: r.u32(at + 44),
      addralign: r.u64(at + 48),
      entsize: r.u64(at + 56),
    };
    raw.push({ nameOffset: r.u32(at), header });
  }
  if (shstrndx !== SHN_UNDEF) {
    const table = raw[shstrndx]?.header;
    if (table === undefined) r.fail(`section name table index ${shstrndx} is out of range (${count} sections)`);
    const names = r.sub(table.offset, table.size, 'the section name table');
    for (const { nameOffset, header } of raw) {
      if (header.index > 0 || nameOffset !== 0) header.name = names.cstring(nameOffset, `name of section ${header.index}`);
    }
  }
  // Section 0 may carry extended counts in sh_size; it has no bytes of its own.
  for (const { header } of raw) {
    if (header.index > 0 && header.type !== SHT_NOBITS) r.range(header.offset, header.size, header.name || `section ${header.index}`);
  }
  return raw.map((x) => x.header);
}
