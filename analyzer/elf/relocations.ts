// Relocations: RELA tables and packed RELR tables, from their sections, or through DT_RELA, DT_JMPREL
// and DT_RELR when the file has no section headers.
import { readAtVaddr, vaddrToOffset } from './address.js';
import {
  DT_JMPREL, DT_PLTREL, DT_PLTRELSZ, DT_RELA, DT_RELASZ, DT_RELR, DT_RELRSZ, R_X86_64_RELATIVE, RELA_SIZE,
  relocationTypeName, SHT_DYNSYM, SHT_RELA, SHT_RELR, SHT_SYMTAB,
} from './constants.js';
import type { ByteReader } from './reader.js';
import type { DynamicEntry, ElfSymbol, ProgramHeader, Relocation, SectionHeader } from './types.js';

interface Inputs {
  bytes: Uint8Array;
  programHeaders: ProgramHeader[];
  sections: SectionHeader[];
  dynamic: DynamicEntry[] | undefined;
  symbols: ElfSymbol[];
  dynamicSymbols: ElfSymbol[];
}

export function parseRelocations(r: ByteReader, x: Inputs): Relocation[] {
  const tables = x.sections.filter((s) => s.type === SHT_RELA || s.type === SHT_RELR);
  const out: Relocation[] = [];
  if (tables.length > 0) {
    for (const s of tables) {
      const label = s.name || `section ${s.index}`;
      if (s.type === SHT_RELR) {
        readRelr(r, x, s.offset, s.size, label, out);
        continue;
      }
      const linked = s.link === 0 ? undefined : x.sections[s.link];
      const symbols = linked?.type === SHT_DYNSYM ? x.dynamicSymbols : linked?.type === SHT_SYMTAB ? x.symbols : [];
      if (s.entsize !== BigInt(RELA_SIZE) && s.size > 0n) r.fail(`${label}: relocation entry size is ${s.entsize}, expected ${RELA_SIZE}`);
      readRela(r, s.offset, s.size, label, symbols, out);
    }
    return out;
  }
  const dynamic = x.dynamic;
  if (dynamic === undefined) return out;
  const first = (tag: bigint): bigint | undefined => dynamic.find((e) => e.tag === tag)?.value;
  const locate = (addr: bigint | undefined, size: bigint | undefined, label: string): bigint | undefined => {
    if (addr === undefined || size === undefined || size === 0n) return undefined;
    const offset = vaddrToOffset(x, addr);
    if (offset === undefined) r.fail(`${label} at 0x${addr.toString(16)} is not inside a loadable segment`);
    return offset;
  };
  const rela = locate(first(DT_RELA), first(DT_RELASZ), 'DT_RELA');
  if (rela !== undefined) readRela(r, rela, first(DT_RELASZ) ?? 0n, '.rela.dyn', x.dynamicSymbols, out);
  const plt = first(DT_PLTREL) === DT_RELA ? locate(first(DT_JMPREL), first(DT_PLTRELSZ), 'DT_JMPREL') : undefined;
  if (plt !== undefined) readRela(r, plt, first(DT_PLTRELSZ) ?? 0n, '.rela.plt', x.dynamicSymbols, out);
  const relr = locate(first(DT_RELR), first(DT_RELRSZ), 'DT_RELR');
  if (relr !== undefined) readRelr(r, x, relr, first(DT_RELRSZ) ?? 0n, '.relr.dyn', out);
  return out;
}

function readRela(r: ByteReader, offset: bigint, size: bigint, section: string, symbols: ElfSymbol[], out: Relocation[]): void {
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

/**
 * RELR packs RELATIVE relocations: an even word is an address to relocate; an odd word is a bitmap
 * whose bits 1..63 mark the 63 words after the last address. The addend is the slot's own content.
 */
function readRelr(r: ByteReader, x: Inputs, offset: bigint, size: bigint, section: string, out: Relocation[]): void {
  const d = r.sub(offset, size, section);
  if (d.length % 8 !== 0) r.fail(`${section}: size ${d.length} is not a multiple of 8`);
  const typeName = relocationTypeName(R_X86_64_RELATIVE);
  let next = 0n; // the address after the last one relocated; addresses only ever increase
  const add = (where: bigint): void => {
    const slot = readAtVaddr({ ...x, fileName: r.fileName }, where, 8);
    // Valid tables name ascending, file-backed slots; insisting on it also bounds the output by the file size.
    if (slot === undefined || where < next) r.fail(`${section}: entry for 0x${where.toString(16)} is out of order or outside the file's segments`);
    const addend = new DataView(slot.buffer, slot.byteOffset, 8).getBigInt64(0, true);
    out.push({ section, offset: where, type: R_X86_64_RELATIVE, typeName, symbolIndex: 0, addend });
    next = where + 8n;
  };
  let base: bigint | undefined;
  for (let at = 0; at < d.length; at += 8) {
    const word = d.u64(at);
    if ((word & 1n) === 0n) {
      add(word);
      base = word + 8n;
      continue;
    }
    if (base === undefined) r.fail(`${section}: bitmap entry before any address entry`);
    for (let bit = 1n; bit < 64n; bit++) {
      if (((word >> bit) & 1n) !== 0n) add(base + (bit - 1n) * 8n);
    }
    base += 63n * 8n;
  }
}
