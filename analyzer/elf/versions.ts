// GNU symbol versioning: .gnu.version (one index per .dynsym entry) names a version defined in
// .gnu.version_d or required in .gnu.version_r. Chains are walked with bounded steps.
import { SHT_GNU_VERDEF, SHT_GNU_VERNEED, SHT_GNU_VERSYM } from './constants.js';
import type { ByteReader } from './reader.js';
import type { ElfSymbol, SectionHeader } from './types.js';

const VERSYM_HIDDEN = 0x8000;
const VER_FLG_BASE = 0x1;

interface VersionName {
  name: string;
  /** The version is the object's own base version (its soname): readelf shows no suffix for it. */
  base: boolean;
  needed: boolean;
}

/** Attach `version`/`versionHidden` to the dynamic symbols from the versioning sections, if any. */
export function applyVersions(r: ByteReader, sections: SectionHeader[], dynsym: SectionHeader, symbols: ElfSymbol[]): void {
  const versym = sections.find((s) => s.type === SHT_GNU_VERSYM && s.link === dynsym.index);
  if (versym === undefined) return;
  const names = new Map<number, VersionName>();
  for (const s of sections) {
    if (s.type === SHT_GNU_VERDEF) readVerdef(r, sections, s, names);
    if (s.type === SHT_GNU_VERNEED) readVerneed(r, sections, s, names);
  }
  const table = r.sub(versym.offset, versym.size, '.gnu.version');
  const count = Math.min(symbols.length, Math.floor(table.length / 2));
  for (let i = 1; i < count; i++) {
    const raw = table.u16(i * 2);
    const index = raw & ~VERSYM_HIDDEN;
    if (index <= 1) continue; // 0: local, 1: global and unversioned
    const v = names.get(index);
    const sym = symbols[i] as ElfSymbol;
    if (v === undefined) r.fail(`.gnu.version: symbol ${i} has version index ${index}, which is not defined`);
    if (v.base) continue;
    sym.version = v.name;
    sym.versionHidden = (raw & VERSYM_HIDDEN) !== 0;
    if (v.needed) sym.versionNeeded = true;
  }
}

function stringsOf(r: ByteReader, sections: SectionHeader[], s: SectionHeader, label: string): ByteReader {
  const strtab = sections[s.link];
  if (strtab === undefined || s.link === 0) r.fail(`${label}: linked string table ${s.link} does not exist`);
  return r.sub(strtab.offset, strtab.size, strtab.name || `section ${strtab.index}`);
}

function readVerdef(r: ByteReader, sections: SectionHeader[], s: SectionHeader, out: Map<number, VersionName>): void {
  const d = r.sub(s.offset, s.size, '.gnu.version_d');
  const strings = stringsOf(r, sections, s, '.gnu.version_d');
  // sh_info is the entry count; each entry takes at least 20 bytes, which bounds the walk.
  const count = Math.min(s.info, Math.floor(d.length / 20));
  let at = 0;
  for (let i = 0; i < count; i++) {
    const flags = d.u16(at + 2);
    const ndx = d.u16(at + 4);
    const auxCount = d.u16(at + 6);
    const aux = d.u32(at + 12);
    const next = d.u32(at + 16);
    if (auxCount > 0) {
      const name = strings.cstring(d.u32(at + aux), `.gnu.version_d entry ${i}`);
      out.set(ndx, { name, base: (flags & VER_FLG_BASE) !== 0, needed: false });
    }
    if (next === 0) break;
    at += next;
  }
}

function readVerneed(r: ByteReader, sections: SectionHeader[], s: SectionHeader, out: Map<number, VersionName>): void {
  const d = r.sub(s.offset, s.size, '.gnu.version_r');
  const strings = stringsOf(r, sections, s, '.gnu.version_r');
  const count = Math.min(s.info, Math.floor(d.length / 16));
  // Each aux entry takes 16 bytes: the section size bounds the total number visited.
  let budget = Math.floor(d.length / 16);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const auxCount = d.u16(at + 2);
    let aux = at + d.u32(at + 8);
    for (let j = 0; j < auxCount && budget-- > 0; j++) {
      const other = d.u16(aux + 6);
      out.set(other, { name: strings.cstring(d.u32(aux + 8), `.gnu.version_r entry ${i}`), base: false, needed: true });
      const nextAux = d.u32(aux + 12);
      if (nextAux === 0) break;
      aux += nextAux;
    }
    const next = d.u32(at + 12);
    if (next === 0) break;
    at += next;
  }
}
