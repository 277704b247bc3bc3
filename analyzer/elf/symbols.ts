// Symbol tables (.symtab, .dynsym): entries with names from the linked string table.
import { SYM_SIZE } from './constants.js';
import type { ByteReader } from './reader.js';
import type { ElfSymbol, SectionHeader } from './types.js';

export function parseSymbolTable(r: ByteReader, sections: SectionHeader[], table: SectionHeader): ElfSymbol[] {
  const label = table.name || `section ${table.index}`;
  if (table.entsize !== BigInt(SYM_SIZE)) r.fail(`${label}: symbol entry size is ${table.entsize}, expected ${SYM_SIZE}`);
  if (table.size % BigInt(SYM_SIZE) !== 0n) r.fail(`${label}: size ${table.size} is not a multiple of the entry size ${SYM_SIZE}`);
  const strtab = sections[table.link];
  if (strtab === undefined || table.link === 0) r.fail(`${label}: linked string table ${table.link} does not exist`);
  const strings = r.sub(strtab.offset, strtab.size, strtab.name || `section ${strtab.index}`);
  const entries = r.sub(table.offset, table.size, label);
  const count = Number(table.size) / SYM_SIZE;
  const symbols: ElfSymbol[] = new Array<ElfSymbol>(count);
  for (let index = 0; index < count; index++) {
    const at = index * SYM_SIZE;
    const nameOffset = entries.u32(at);
    const info = entries.u8(at + 4);
    symbols[index] = {
      index,
      name: nameOffset === 0 ? '' : strings.cstring(nameOffset, `${label} symbol ${index}`),
      value: entries.u64(at + 8),
      size: entries.u64(at + 16),
      type: info & 0xf,
      bind: info >> 4,
      visibility: entries.u8(at + 5) & 0x3,
      shndx: entries.u16(at + 6),
    };
  }
  return symbols;
}
