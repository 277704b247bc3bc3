// Call frame information for one address: the rule .eh_frame gives there for the canonical frame
// address (CFA) and the registers a function saved, as its CIE's and FDE's instructions build it
// (DWARF 5, 6.4). What a debugger's unwinder needs; the runner's crash backtraces use it.
import { SHT_NOBITS } from './constants.js';
import { type Area, entryHeader, readCie, readEncoded, sleb, uleb } from './ehframe.js';
import type { ElfFile } from './types.js';
import { ByteReader } from './reader.js';

/** Where a register's value before the call is: at CFA + offset, in another register, or unchanged. */
export type SavedRule = { at: bigint } | { inReg: number } | 'same';

export interface FrameRule {
  /** CFA = register cfaReg (DWARF numbering: 6 rbp, 7 rsp) + cfaOffset; undefined: an expression we do not evaluate. */
  cfa?: { reg: number; offset: bigint };
  /** Registers the function saved, by DWARF number (16: the return address). */
  saved: ReadonlyMap<number, SavedRule>;
  raReg: number;
}

interface State {
  cfa?: { reg: number; offset: bigint };
  saved: Map<number, SavedRule>;
}

/** The rule at a link-time address pc; undefined when no FDE covers it. */
export function frameRuleAt(file: ElfFile, pc: bigint): FrameRule | undefined {
  const sec = file.sections.find((s) => s.name === '.eh_frame' && s.type !== SHT_NOBITS);
  if (sec === undefined) return undefined;
  const frame: Area = { r: new ByteReader(file.bytes, file.fileName).sub(sec.offset, sec.size, '.eh_frame'), vaddr: sec.addr };
  for (let at = 0; at + 4 <= frame.r.length; ) {
    const h = entryHeader(frame, at);
    if (h === 'end') return undefined;
    const id = h.wide ? frame.r.u64(h.idAt) : BigInt(frame.r.u32(h.idAt));
    if (id !== 0n) {
      const cie = readCie(frame, Number(BigInt(h.idAt) - id));
      const begin = readEncoded(frame, h.body, cie.enc, undefined, '.eh_frame FDE');
      const range = readEncoded(frame, begin.next, cie.enc & 0x0f, undefined, '.eh_frame FDE');
      if (pc >= begin.value && pc < begin.value + range.value) {
        let p = range.next;
        if (cie.z) {
          const len = uleb(frame.r, p);
          p = len.next + Number(len.value);
        }
        const initial = run(frame, cie.instructions.start, cie.instructions.end, cie, { saved: new Map() }, undefined, begin.value, pc);
        const state = run(frame, p, h.end, cie, clone(initial), initial, begin.value, pc);
        return { ...(state.cfa === undefined ? {} : { cfa: state.cfa }), saved: state.saved, raReg: cie.raReg };
      }
    }
    at = h.end;
  }
  return undefined;
}

function clone(s: State): State {
  return { ...(s.cfa === undefined ? {} : { cfa: { ...s.cfa } }), saved: new Map(s.saved) };
}

/** Runs instructions [from, to) from state s until the location passes pc. */
function run(a: Area, from: number, to: number, cie: { codeAlign: bigint; dataAlign: bigint; enc: number }, s: State, initial: State | undefined, start: bigint, pc: bigint): State {
  const r = a.r;
  const stack: State[] = [];
  let loc = start;
  const advance = (delta: bigint): boolean => {
    loc += delta * cie.codeAlign;
    return loc > pc;
  };
  const offset = (reg: number, factored: bigint): void => void s.saved.set(reg, { at: factored * cie.dataAlign });
  const restore = (reg: number): void => {
    const rule = initial?.saved.get(reg);
    if (rule === undefined) s.saved.delete(reg);
    else s.saved.set(reg, rule);
  };
  for (let p = from; p < to; ) {
    const op = r.u8(p++);
    const low = op & 0x3f;
    switch (op >> 6) {
      case 1: if (advance(BigInt(low))) return s; continue;
      case 2: { const o = uleb(r, p); p = o.next; offset(low, o.value); continue; }
      case 3: restore(low); continue;
    }
    const u = (): bigint => { const d = uleb(r, p); p = d.next; return d.value; };
    const sl = (): bigint => { const d = sleb(r, p); p = d.next; return BigInt.asIntN(64, d.value); };
    switch (op) {
      case 0x00: break; // nop
      case 0x01: { const d = readEncoded(a, p, cie.enc, undefined, '.eh_frame'); p = d.next; loc = d.value; if (loc > pc) return s; break; }
      case 0x02: if (advance(BigInt(r.u8(p++)))) return s; break;
      case 0x03: { const d = BigInt(r.u16(p)); p += 2; if (advance(d)) return s; break; }
      case 0x04: { const d = BigInt(r.u32(p)); p += 4; if (advance(d)) return s; break; }
      case 0x05: { const reg = Number(u()); offset(reg, u()); break; }
      case 0x06: restore(Number(u())); break;
      case 0x07: s.saved.delete(Number(u())); break; // undefined
      case 0x08: s.saved.set(Number(u()), 'same'); break;
      case 0x09: { const reg = Number(u()); s.saved.set(reg, { inReg: Number(u()) }); break; }
      case 0x0a: stack.push(clone(s)); break;
      case 0x0b: { const top = stack.pop(); if (top !== undefined) { s.cfa = top.cfa; s.saved = top.saved; } break; }
      case 0x0c: { const reg = Number(u()); s.cfa = { reg, offset: u() }; break; }
      case 0x0d: s.cfa = { reg: Number(u()), offset: s.cfa?.offset ?? 0n }; break;
      case 0x0e: s.cfa = { reg: s.cfa?.reg ?? 7, offset: u() }; break;
      case 0x0f: { const len = u(); p += Number(len); delete s.cfa; break; } // def_cfa_expression
      case 0x10: { u(); const len = u(); p += Number(len); break; } // expression
      case 0x11: { const reg = Number(u()); s.saved.set(reg, { at: sl() * cie.dataAlign }); break; }
      case 0x12: { const reg = Number(u()); s.cfa = { reg, offset: sl() * cie.dataAlign }; break; }
      case 0x13: s.cfa = { reg: s.cfa?.reg ?? 7, offset: sl() * cie.dataAlign }; break;
      case 0x14: u(); u(); break; // val_offset
      case 0x15: u(); sl(); break; // val_offset_sf
      case 0x16: { u(); const len = u(); p += Number(len); break; } // val_expression
      case 0x2e: u(); break; // GNU_args_size
      case 0x2f: { const reg = Number(u()); s.saved.set(reg, { at: -u() * cie.dataAlign }); break; }
      default: return s; // unknown: the rule so far
    }
  }
  return s;
}
