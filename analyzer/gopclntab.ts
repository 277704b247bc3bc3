// Go's function table (pclntab): every Go function's entry, end and name, kept even in stripped
// binaries because the Go runtime needs it to unwind stacks. Without it a stripped Go program has
// neither symbols nor .eh_frame for its Go code, and functions reached only through data (method
// tables, closures, goroutine starts) would be missed.
// Layout (Go 1.18 and later, magic 0xfffffff0 or 0xfffffff1; src/runtime/symtab.go, pcHeader):
//   u32 magic, u8 pad, u8 pad, u8 minLC, u8 ptrSize, then ptrSize-wide: nfunc, nfiles, textStart,
//   funcnameOffset, cuOffset, filetabOffset, pctabOffset, pclnOffset (offsets from the header).
//   At pclnOffset: nfunc+1 pairs {u32 entryOff, u32 funcOff} (entryOff from textStart; the last
//   pair's entryOff is the end of the last function); at pclnOffset+funcOff: u32 entryOff, i32 nameOff.
import { type ElfFile, findSection, readAtVaddr } from './elf/index.js';

export interface GoFunction {
  start: number;
  end: number;
  name: string;
}

const magics = new Set([0xfffffff0, 0xfffffff1]);
const R_X86_64_RELATIVE = 8;
const known = new WeakMap<ElfFile, GoFunction[]>();

/** Go functions from the pclntab, sorted by start; empty for a non-Go object or another Go version. */
export function goFunctions(elf: ElfFile): GoFunction[] {
  let fns = known.get(elf);
  if (fns === undefined) {
    fns = parse(elf) ?? [];
    known.set(elf, fns);
  }
  return fns;
}

function parse(elf: ElfFile): GoFunction[] | undefined {
  const at = pclntabAddress(elf);
  return at === undefined ? undefined : parseAt(elf, at.addr, at.size);
}

/** Where the table is: the .gopclntab section, else (PIE) a valid header inside .data.rel.ro. */
export function pclntabAddress(elf: ElfFile): { addr: bigint; size: number } | undefined {
  const section = findSection(elf, '.gopclntab');
  if (section !== undefined) return { addr: section.addr, size: Number(section.size) };
  const relro = findSection(elf, '.data.rel.ro');
  if (relro === undefined) return undefined;
  const b = readAtVaddr(elf, relro.addr, Number(relro.size));
  if (b === undefined) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  for (let o = 0; o + 72 <= b.length; o += 8) {
    if (!magics.has(view.getUint32(o, true)) || view.getUint16(o + 4, true) !== 0 || b[o + 7] !== 8) continue;
    const at = { addr: relro.addr + BigInt(o), size: b.length - o };
    if (parseAt(elf, at.addr, at.size) !== undefined) return at;
  }
  return undefined;
}

function parseAt(elf: ElfFile, addr: bigint, size: number): GoFunction[] | undefined {
  const b = readAtVaddr(elf, addr, size);
  if (b === undefined || b.length < 72) return undefined;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (!magics.has(v.getUint32(0, true)) || b[6] < 1 || b[7] !== 8) return undefined;
  const word = (i: number): number => Number(v.getBigUint64(8 + 8 * i, true));
  const nfunc = word(0);
  const funcnameOffset = word(3);
  const pclnOffset = word(7);
  if (nfunc <= 0 || pclnOffset + (nfunc + 1) * 8 > b.length || funcnameOffset >= b.length) return undefined;
  const textStart = fieldValue(elf, addr + 8n + 16n, word(2));
  if (textStart === 0) return undefined;
  const out: GoFunction[] = [];
  const latin1 = new TextDecoder('latin1');
  for (let i = 0; i < nfunc; i++) {
    const at = pclnOffset + i * 8;
    const entry = v.getUint32(at, true);
    const next = v.getUint32(at + 8, true);
    const funcOff = pclnOffset + v.getUint32(at + 4, true);
    if (next <= entry || funcOff + 8 > b.length) return undefined;
    const nameAt = funcnameOffset + v.getInt32(funcOff + 4, true);
    const nameEnd = b.indexOf(0, nameAt);
    const name = nameAt >= 0 && nameEnd > nameAt ? latin1.decode(b.subarray(nameAt, nameEnd)) : '';
    out.push({ start: textStart + entry, end: textStart + next, name: name === '' ? `sub_${(textStart + entry).toString(16)}` : name });
  }
  return out;
}

/** A pointer-sized field: its relocation's addend in a PIE, else the value in the file. */
function fieldValue(elf: ElfFile, addr: bigint, stored: number): number {
  const rel = elf.relocations.find((r) => r.offset === addr && r.type === R_X86_64_RELATIVE);
  return rel !== undefined ? Number(rel.addend) : stored;
}
