// Symbol tables: .symtab and .dynsym from their sections, or the dynamic symbols through DT_SYMTAB
// when the file has no section headers (their count then comes from DT_HASH or DT_GNU_HASH).
import { vaddrToOffset } from './address.js';
import { DT_GNU_HASH, DT_HASH, DT_STRSZ, DT_STRTAB, DT_SYMTAB, SYM_SIZE } from './constants.js';
import type { ByteReader } from './reader.js';
import type { DynamicEntry, ElfSymbol, ProgramHeader, SectionHeader } from './types.js';

export function parseSymbolTable(r: ByteReader, sections: SectionHeader[], table: SectionHeader): ElfSymbol[] {
  const label = table.name || `section ${table.index}`;
  if (table.entsize !== BigInt(SYM_SIZE)) r.fail(`${label}: symbol entry size is ${table.entsize}, expected ${SYM_SIZE}`);
  if (table.size % BigInt(SYM_SIZE) !== 0n) r.fail(`${label}: size ${table.size} is not a multiple of the entry size ${SYM_SIZE}`);
  const strtab = sections[table.link];
  if (strtab === undefined || table.link === 0) r.fail(`${label}: linked string table ${table.link} does not exist`);
  const strings = r.sub(strtab.offset, strtab.size, strtab.name || `section ${strtab.index}`);
  return decodeSymbols(r.sub(table.offset, table.size, label), strings, label);
}

/** The dynamic symbols of a file without section headers, as the dynamic loader finds them. */
export function parseDynamicSymbols(r: ByteReader, phs: ProgramHeader[], dynamic: DynamicEntry[]): ElfSymbol[] {
  const first = (tag: bigint): bigint | undefined => dynamic.find((e) => e.tag === tag)?.value;
  const at = (tag: bigint, what: string): number | undefined => {
    const vaddr = first(tag);
    if (vaddr === undefined) return undefined;
    const offset = vaddrToOffset({ programHeaders: phs }, vaddr);
    if (offset === undefined) r.fail(`${what} at 0x${vaddr.toString(16)} is not inside a loadable segment`);
    return r.range(offset, 0n, what);
  };
  const symtab = at(DT_SYMTAB, 'DT_SYMTAB');
  const strtab = at(DT_STRTAB, 'DT_STRTAB');
  const strsz = first(DT_STRSZ);
  if (symtab === undefined || strtab === undefined || strsz === undefined) return [];
  const hash = at(DT_HASH, 'DT_HASH');
  const gnuHash = at(DT_GNU_HASH, 'DT_GNU_HASH');
  const count = hash !== undefined ? r.u32(hash + 4) : gnuHash !== undefined ? gnuHashCount(r, gnuHash) : 0;
  const entries = r.sub(BigInt(symtab), BigInt(count) * BigInt(SYM_SIZE), 'the dynamic symbol table');
  return decodeSymbols(entries, r.sub(BigInt(strtab), strsz, 'the dynamic string table'), 'the dynamic symbol table');
}

/**
 * DT_GNU_HASH does not store the symbol count: it is one past the last symbol of the longest-reaching
 * chain, found from the largest bucket start and following that chain to its end marker (low bit set).
 */
function gnuHashCount(r: ByteReader, at: number): number {
  const nbuckets = r.u32(at);
  const symoffset = r.u32(at + 4);
  const bloomSize = r.u32(at + 8);
  const buckets = at + 16 + bloomSize * 8;
  r.check(buckets, nbuckets * 4, 'the DT_GNU_HASH buckets');
  let last = 0;
  for (let i = 0; i < nbuckets; i++) last = Math.max(last, r.u32(buckets + i * 4));
  if (last < symoffset) return symoffset;
  const chains = buckets + nbuckets * 4;
  // Each step reads one more 4-byte chain word inside the file: the file size bounds the walk.
  for (let i = last; ; i++) {
    if ((r.u32(chains + (i - symoffset) * 4) & 1) !== 0) return i + 1;
  }
}

function decodeSymbols(entries: ByteReader, strings: ByteReader, label: string): ElfSymbol[] {
  const count = Math.floor(entries.length / SYM_SIZE);
  const symbols: ElfSymbol[] = new Array<ElfSymbol>(count);
  for (let index = 0; index < count; index++) {
    const at = index * SYM_SIZE;
    const nameOffset = entries.u32(at);
    const info = entries.u8(at + 4);
    symbols[index] = {
      index,
      name: nameOffset === 0 ? '' : strings.cstring(nameOffset, () => `${label} symbol ${index}`),
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
