// Where functions start and end: symbols (.symtab, .dynsym), else .eh_frame FDEs or Go's pclntab, plus the entry
// point and init arrays. Bounds are "trusted" when a symbol size or an FDE gives them; otherwise a
// function runs to the next known start.
import type { ElfFile } from './elf/index.js';
import { goFunctions } from './gopclntab.js';
import { isPltSection } from './imports.js';

const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const underscore = 0x5f;

export interface FunctionBounds {
  start: number;
  end: number;
  name: string;
  /** True when a symbol size or an FDE gives the end. */
  trusted: boolean;
  /**
   * How far control flow may be followed: the next known start. Code can run past an FDE's end
   * (glibc's clone3 ends its FDE right before the syscall), but not into another function.
   */
  limit: number;
}

export interface CodeRange {
  start: number;
  end: number;
}

/** Entry point, DT_INIT, preinit and init arrays: code that runs without being called by name. */
export function rootAddresses(elf: ElfFile): number[] {
  const out: number[] = [];
  if (elf.header.entry !== 0n) out.push(Number(elf.header.entry));
  const d = elf.dynamic;
  if (d !== undefined) {
    if (d.init !== undefined) out.push(Number(d.init));
    for (const a of [...d.initArray, ...d.preinitArray, ...d.finiArray]) out.push(Number(a));
    if (d.fini !== undefined) out.push(Number(d.fini));
  }
  return out.filter((a) => a !== 0 && a !== -1);
}

/** Symbol names by address (symtab preferred; the first global name wins among aliases). */
export function functionNames(elf: ElfFile): Map<number, string> {
  const names = new Map<number, string>();
  for (const table of [elf.symbols, elf.dynamicSymbols]) {
    for (const s of table) {
      if ((s.type !== STT_FUNC && s.type !== STT_GNU_IFUNC) || s.shndx === 0 || s.name === '') continue;
      const a = Number(s.value);
      const prev = names.get(a);
      if (prev === undefined || (prev.charCodeAt(0) === underscore && s.name.charCodeAt(0) !== underscore)) names.set(a, s.name);
    }
  }
  for (const g of goFunctions(elf)) if (!names.has(g.start)) names.set(g.start, g.name);
  return names;
}

/** Known function bounds inside the given code ranges (PLT sections excluded). */
export function functionBounds(elf: ElfFile, code: CodeRange[], extraStarts: number[], names = functionNames(elf)): FunctionBounds[] {
  const inCode = (a: number): boolean => code.some((r) => a >= r.start && a < r.end);
  const plt = elf.sections.filter((s) => isPltSection(s.name)).map((s) => [Number(s.addr), Number(s.addr + s.size)]);
  const inPlt = (a: number): boolean => plt.some(([lo, hi]) => a >= lo && a < hi);
  const ends = new Map<number, number>();
  for (const table of [elf.symbols, elf.dynamicSymbols]) {
    for (const s of table) {
      if ((s.type !== STT_FUNC && s.type !== STT_GNU_IFUNC) || s.shndx === 0) continue;
      const a = Number(s.value);
      if (!inCode(a) || inPlt(a)) continue;
      const end = s.size > 0n ? a + Number(s.size) : NaN;
      if (!ends.has(a) || (Number.isNaN(ends.get(a) as number) && !Number.isNaN(end))) ends.set(a, end);
    }
  }
  for (const f of elf.fdes) {
    const a = Number(f.start);
    if (!inCode(a) || inPlt(a)) continue;
    const end = Number(f.end);
    const prev = ends.get(a);
    if (prev === undefined || Number.isNaN(prev)) ends.set(a, end);
  }
  for (const g of goFunctions(elf)) {
    if (!inCode(g.start) || inPlt(g.start)) continue;
    const prev = ends.get(g.start);
    if (prev === undefined || Number.isNaN(prev)) ends.set(g.start, g.end);
  }
  for (const a of extraStarts) if (inCode(a) && !inPlt(a) && !ends.has(a)) ends.set(a, NaN);
  const starts = [...ends.keys()].sort((x, y) => x - y);
  return starts.map((start, i) => {
    const region = code.find((r) => start >= r.start && start < r.end) as CodeRange;
    const given = ends.get(start) as number;
    const next = i + 1 < starts.length ? Math.min(starts[i + 1], region.end) : region.end;
    const trusted = !Number.isNaN(given) && given > start && given <= region.end;
    const limit = Math.max(next, start + 1);
    return { start, end: trusted ? given : limit, name: names.get(start) ?? `sub_${start.toString(16)}`, trusted, limit };
  });
}
