// A crashed thread's backtrace from the kernel's crash record and the image's own files: unwound
// with each object's .eh_frame (analyzer/elf/cfi.ts), or its frame pointers where it has no rule,
// and named with the object's symbols.
import { frameRuleAt, type SavedRule } from '../../analyzer/elf/cfi.js';
import { PT_LOAD } from '../../analyzer/elf/constants.js';
import { readElf } from '../../analyzer/elf/read.js';
import type { ElfFile } from '../../analyzer/elf/types.js';
import type { Crash, Mapping } from './record.js';

export interface LoadedObject {
  path: string;
  elf: ElfFile;
  /** Added to the object's link-time addresses where the guest loaded it. */
  bias: bigint;
}

export interface Frame {
  pc: bigint;
  object?: LoadedObject;
  /** pc at link time (pc - bias). */
  address?: bigint;
  /** function+0xoffset, from the object's symbols. */
  symbol?: string;
}

const MAX_FRAMES = 64;
const DW = { rbx: 3, rbp: 6, rsp: 7, r12: 12, r13: 13, r14: 14, r15: 15, ra: 16 } as const;

/** The objects of the crash's mappings, read with `read(path)` (the image's file; undefined if absent). */
export function loadObjects(crash: Crash, read: (path: string) => Uint8Array | undefined): LoadedObject[] {
  const out: LoadedObject[] = [];
  for (const path of new Set(crash.maps.map((m) => m.path))) {
    const first = crash.maps.find((m) => m.path === path && m.offset === 0n);
    const bytes = read(path);
    if (first === undefined || bytes === undefined) continue;
    try {
      const elf = readElf(bytes, path);
      const low = elf.programHeaders.filter((p) => p.type === PT_LOAD).reduce((min, p) => (p.vaddr < min ? p.vaddr : min), BigInt.asUintN(64, -1n));
      out.push({ path, elf, bias: first.start - (low & ~0xfffn) });
    } catch {
      // not an ELF file (a mapped data file): it has no frames
    }
  }
  return out;
}

function objectAt(pc: bigint, maps: readonly Mapping[], objects: readonly LoadedObject[]): LoadedObject | undefined {
  const m = maps.find((x) => x.exec && pc >= x.start && pc < x.end);
  return m === undefined ? undefined : objects.find((o) => o.path === m.path);
}

export function unwind(crash: Crash, objects: readonly LoadedObject[]): Frame[] {
  const { start, bytes } = crash.stack;
  const read8 = (addr: bigint): bigint | undefined => {
    const at = addr - start;
    return at < 0n || at + 8n > BigInt(bytes.length) ? undefined : bytes.readBigUInt64LE(Number(at));
  };
  const regs = new Map<number, bigint>();
  for (const [name, n] of Object.entries(DW)) {
    const v = crash.regs.get(name === 'ra' ? 'rip' : name);
    if (v !== undefined) regs.set(n, v);
  }
  const frames: Frame[] = [];
  let pc = crash.regs.get('rip') ?? 0n;
  for (let i = 0; i < MAX_FRAMES && pc !== 0n; i++) {
    const object = objectAt(pc, crash.maps, objects);
    frames.push(object === undefined ? { pc } : { pc, object, address: pc - object.bias, ...named(object, pc - object.bias) });
    if (object === undefined) break;
    // a caller's pc is a return address: its call instruction lies just before it
    const rule = frameRuleAt(object.elf, pc - object.bias - (i === 0 ? 0n : 1n));
    const next = rule?.cfa !== undefined ? byRule(rule.cfa, rule.saved, regs, read8) : byFramePointer(regs, read8);
    if (next === undefined || next.sp <= (regs.get(DW.rsp) ?? 0n)) break; // the stack only grows up as frames pop
    pc = next.pc;
    regs.set(DW.rsp, next.sp);
  }
  return frames;
}

function byRule(cfa: { reg: number; offset: bigint }, saved: ReadonlyMap<number, SavedRule>, regs: Map<number, bigint>, read8: (a: bigint) => bigint | undefined): { pc: bigint; sp: bigint } | undefined {
  const base = regs.get(cfa.reg);
  if (base === undefined) return undefined;
  const frame = base + cfa.offset;
  const restored = new Map<number, bigint>();
  for (const [reg, rule] of saved) {
    if (rule === 'same') continue;
    const v = 'inReg' in rule ? regs.get(rule.inReg) : read8(frame + rule.at);
    if (v === undefined) return undefined;
    restored.set(reg, v);
  }
  const pc = restored.get(DW.ra);
  if (pc === undefined) return undefined;
  for (const [reg, v] of restored) if (reg !== DW.ra) regs.set(reg, v);
  return { pc, sp: frame };
}

function byFramePointer(regs: Map<number, bigint>, read8: (a: bigint) => bigint | undefined): { pc: bigint; sp: bigint } | undefined {
  const rbp = regs.get(DW.rbp);
  if (rbp === undefined) return undefined;
  const caller = read8(rbp), pc = read8(rbp + 8n);
  if (caller === undefined || pc === undefined) return undefined;
  regs.set(DW.rbp, caller);
  return { pc, sp: rbp + 16n };
}

/** The function holding a link-time address, from .symtab or else .dynsym. */
function named(o: LoadedObject, address: bigint): { symbol: string } | Record<string, never> {
  for (const table of [o.elf.symbols, o.elf.dynamicSymbols]) {
    let best: { name: string; value: bigint } | undefined;
    for (const s of table) {
      if ((s.type !== 2 && s.type !== 10) || s.shndx === 0 || s.name === '' || s.value > address) continue;
      if (s.size > 0n ? address < s.value + s.size : best === undefined || s.value > best.value) {
        if (s.size > 0n) return { symbol: `${s.name}+0x${(address - s.value).toString(16)}` };
        best = s;
      }
    }
    if (best !== undefined) return { symbol: `${best.name}+0x${(address - best.value).toString(16)}` };
  }
  return {};
}
