// The dynamic section: raw entries, then the parts users ask for (libraries, search paths, flags,
// initializers). Strings come from DT_STRTAB, found through the segments like the loader does.
import { readAtVaddr, vaddrToOffset } from './address.js';
import {
  DT_FINI, DT_FINI_ARRAY, DT_FINI_ARRAYSZ, DT_FLAGS, DT_FLAGS_1, DT_INIT, DT_INIT_ARRAY, DT_INIT_ARRAYSZ,
  DT_NEEDED, DT_NULL, DT_PREINIT_ARRAY, DT_PREINIT_ARRAYSZ, DT_RPATH, DT_RUNPATH, DT_SONAME, DT_STRSZ,
  DT_STRTAB, DYN_SIZE, PT_DYNAMIC, SHT_DYNAMIC, SHT_NOBITS,
} from './constants.js';
import type { ByteReader } from './reader.js';
import type { DynamicEntry, DynamicInfo, ProgramHeader, SectionHeader } from './types.js';

/** Raw dynamic entries up to DT_NULL, from PT_DYNAMIC (or the SHT_DYNAMIC section); undefined if neither. */
export function parseDynamicEntries(r: ByteReader, phs: ProgramHeader[], sections: SectionHeader[]): DynamicEntry[] | undefined {
  const seg = phs.find((p) => p.type === PT_DYNAMIC);
  const sec = sections.find((s) => s.type === SHT_DYNAMIC);
  const where = seg !== undefined ? { offset: seg.offset, size: seg.filesz } : sec !== undefined ? { offset: sec.offset, size: sec.size } : undefined;
  if (where === undefined) return undefined;
  const d = r.sub(where.offset, where.size, 'the dynamic section');
  const entries: DynamicEntry[] = [];
  for (let at = 0; at + DYN_SIZE <= d.length; at += DYN_SIZE) {
    const tag = d.i64(at);
    if (tag === DT_NULL) break;
    entries.push({ tag, value: d.u64(at + 8) });
  }
  return entries;
}

type Mapped = { bytes: Uint8Array; programHeaders: ProgramHeader[]; fileName?: string };

/** `relative` maps a slot address to the link-time value a RELATIVE relocation puts there (PIE arrays are zero in the file). */
export function decodeDynamic(
  r: ByteReader,
  elf: Mapped,
  sections: SectionHeader[],
  entries: DynamicEntry[],
  relative: Map<bigint, bigint>,
): DynamicInfo {
  const first = (tag: bigint): bigint | undefined => entries.find((e) => e.tag === tag)?.value;
  const strings = dynamicStrings(r, elf, sections, first(DT_STRTAB), first(DT_STRSZ));
  const str = (value: bigint, what: string): string => {
    if (strings === undefined) r.fail(`the dynamic section has ${what} but no string table`);
    if (value >= BigInt(strings.length)) r.fail(`${what}: string offset 0x${value.toString(16)} is outside the dynamic string table`);
    return strings.cstring(Number(value), what);
  };
  const optStr = (tag: bigint, what: string): string | undefined => {
    const v = first(tag);
    return v === undefined ? undefined : str(v, what);
  };
  const array = (addrTag: bigint, sizeTag: bigint, what: string): bigint[] => {
    const addr = first(addrTag);
    const size = first(sizeTag);
    if (addr === undefined || size === undefined || size === 0n) return [];
    if (size % 8n !== 0n || size > BigInt(r.length)) r.fail(`${what}: size ${size} is not a whole number of pointers within the file`);
    const bytes = readAtVaddr(elf, addr, Number(size));
    if (bytes === undefined) r.fail(`${what} at 0x${addr.toString(16)} (size ${size}) is not inside a loadable segment`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const out: bigint[] = [];
    for (let i = 0; i < bytes.length; i += 8) {
      out.push(relative.get(addr + BigInt(i)) ?? view.getBigUint64(i, true));
    }
    return out;
  };
  return {
    entries,
    needed: entries.filter((e) => e.tag === DT_NEEDED).map((e) => str(e.value, 'DT_NEEDED')),
    soname: optStr(DT_SONAME, 'DT_SONAME'),
    runpath: optStr(DT_RUNPATH, 'DT_RUNPATH'),
    rpath: optStr(DT_RPATH, 'DT_RPATH'),
    flags: first(DT_FLAGS),
    flags1: first(DT_FLAGS_1),
    init: first(DT_INIT),
    fini: first(DT_FINI),
    initArray: array(DT_INIT_ARRAY, DT_INIT_ARRAYSZ, 'DT_INIT_ARRAY'),
    finiArray: array(DT_FINI_ARRAY, DT_FINI_ARRAYSZ, 'DT_FINI_ARRAY'),
    preinitArray: array(DT_PREINIT_ARRAY, DT_PREINIT_ARRAYSZ, 'DT_PREINIT_ARRAY'),
  };
}

function dynamicStrings(
  r: ByteReader,
  elf: Mapped,
  sections: SectionHeader[],
  strtab: bigint | undefined,
  strsz: bigint | undefined,
): ByteReader | undefined {
  if (strtab !== undefined && strsz !== undefined) {
    const offset = vaddrToOffset(elf, strtab);
    if (offset !== undefined) return r.sub(offset, strsz, 'the dynamic string table');
  }
  const dyn = sections.find((s) => s.type === SHT_DYNAMIC);
  const linked = dyn === undefined ? undefined : sections[dyn.link];
  if (linked === undefined || linked.type === SHT_NOBITS || dyn?.link === 0) return undefined;
  return r.sub(linked.offset, linked.size, linked.name || 'the dynamic string table');
}
