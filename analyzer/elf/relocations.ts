// RELA relocations: from SHT_RELA sections, or from DT_RELA/DT_JMPREL when the file has no sections.
import { vaddrToOffset } from './address.js';
import {
  DT_JMPREL, DT_PLTREL, DT_PLTRELSZ, DT_RELA, DT_RELASZ, RELA_SIZE, relocationTypeName, SHT_DYNSYM, SHT_RELA, SHT_SYMTAB,
} from './constants.js';
import type { ByteReader } from './reader.js';
import type { DynamicEntry, ElfSymbol, ProgramHeader, Relocation, SectionHeader } from './types.js';

interface Tables {
  symbols: ElfSymbol[];
  dynamicSymbols: ElfSymbol[];
}

export function parseRelocations(
  r: ByteReader,
  phs: ProgramHeader[],
  sections: SectionHeader[],
  dynamic: DynamicEntry[] | undefined,
  tables: Tables,
): Relocation[] {
  const relaSections = sections.filter((s) => s.type === SHT_RELA);
  const out: Relocation[] = [];
  if (relaSections.length > 0) {
    for (const s of relaSections) {
      const linked = s.link === 0 ? undefined : sections[s.link];
      const symbols =
        linked?.type === SHT_DYNSYM ? tables.dynamicSymbols : linked?.type === SHT_SYMTAB ? tables.symbols : [];
      const label = s.name || `section ${s.index}`;
      if (s.entsize !== BigInt(RELA_SIZE) && s.size > 0n) r.fail(`${label}: relocation entry size is ${s.entsize}, expected ${RELA_SIZE}`);
      readTable(r, s.offset, s.size, label, symbols, out);
    }
    return out;
  }
  if (dynamic === undefined) return out;
  const first = (tag: bigint): bigint | undefined => dynamic.find((e) => e.tag === tag)?.value;
  const fromDynamic = (addr: bigint | undefined, size: bigint | undefined, label: string): void => {
    if (addr === undefined || size === undefined || size === 0n) return;
    const offset = vaddrToOffset({ programHeaders: phs }, addr);
    if (offset === undefined) r.fail(`${label} at 0x${addr.toString(16)} is not inside a loadable segment`);
    readTable(r, offset, size, label, tables.dynamicSymbols, out);
  };
  fromDynamic(first(DT_RELA), first(DT_RELASZ), '.rela.dyn');
  if (first(DT_PLTREL) === DT_RELA) fromDynamic(first(DT_JMPREL), first(DT_PLTRELSZ), '.rela.plt');
  return out;
}

function readTable(
  r: ByteReader,
  offset: bigint,
  size: bigint,
  section: string,
  symbols: ElfSymbol[],
  out: Relocation[],
): void {
  const d = r.sub(offset, size, section);
  if (d.length % RELA_SIZE !== 0) r.fail(`${section}: size ${d.length} is not a multiple of the entry size ${RELA_SIZE}`);
  for (let at = 0; at < d.length; at += RELA_SIZE) {
    const info = d.u64(at + 8);
    const type = Number(info & 0xffffffffn);
    const symbolIndex = Number(info >> 32n);
    const rel: Relocation = { section, offset: d.u64(at), type, typeName: relocationTypeName(type), symbolIndex, addend: d.i64(at + 16) };
    if (symbolIndex !== 0) {
      const sym = symbols[symbolIndex];
      if (sym === undefined) r.fail(`${section}: relocation ${at / RELA_SIZE} names symbol ${symbolIndex}, which does not exist`);
      rel.symbolName = sym.name;
      if (sym.version !== undefined) rel.symbolVersion = sym.version;
    }
    out.push(rel);
  }
}
