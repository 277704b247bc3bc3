// Backward data flow over a function's CFG: the set of values a register can hold just before an
// instruction. Values are constants, arguments of the enclosing function (the register's value at
// entry), or unknown with a reason. Merges take the union (a phi with several values).
// A register reloaded from a stack slot is followed back to the store that spilled it: Go keeps no
// value in a register across a call, so its syscall wrappers spill the number and reload it.
// Arguments passed on the stack (Go's assembly functions, ABI0) are parameters too: see stackArg.
import type { ReadData } from './decode.js';
import type { Cfg } from './cfg.js';
import type { ArithOp, Def, Semantics } from './effect.js';
import { type Gpr, gprNames } from './regs.js';

/**
 * Parameter numbers from 16 up are stack arguments: stackArg + k is the k-th 8-byte word above the
 * return address at entry ([rsp+8+8k]), which is [rsp+8k] just before the call.
 */
export const stackArg = 16;
const maxStackArgs = 16;

/** A parameter's name in messages: the register, or the stack argument. */
export function paramName(p: number): string {
  return p < stackArg ? gprNames[p] : `stack argument ${p - stackArg}`;
}

export interface ValueSet {
  consts: Set<bigint>;
  /** Parameters the value comes from unchanged: registers at function entry, or stack arguments (stackArg + k). */
  params: Set<number>;
  /** Why some path gives no usable value. */
  unknown: Set<string>;
}

export interface FlowContext {
  cfg: Cfg;
  semanticsAt(index: number): Semantics;
  /** Reads read-only memory only: a load from writable memory is unknown. */
  readConst: ReadData;
}

const maxConsts = 64;
const maxSteps = 20_000;

export function emptyValues(): ValueSet {
  return { consts: new Set(), params: new Set(), unknown: new Set() };
}

function unknown(reason: string): ValueSet {
  const v = emptyValues();
  v.unknown.add(reason);
  return v;
}

function union(into: ValueSet, from: ValueSet): void {
  for (const c of from.consts) into.consts.add(c);
  for (const p of from.params) into.params.add(p);
  for (const u of from.unknown) into.unknown.add(u);
  if (into.consts.size > maxConsts) {
    into.consts.clear();
    into.unknown.add('too many possible values');
  }
}

function arith(op: ArithOp, a: bigint, b: bigint): bigint {
  switch (op) {
    case 'add': return a + b;
    case 'sub': return a - b;
    case 'and': return a & b;
    case 'or': return a | b;
    case 'xor': return a ^ b;
    case 'shl': return a << (b & 63n);
    case 'shr': return a >> (b & 63n);
  }
}

/** Apply f to every constant; arguments become unknown (we track arguments only when passed unchanged). */
function mapConsts(v: ValueSet, f: (c: bigint) => bigint, paramReason: string): ValueSet {
  const out = emptyValues();
  for (const c of v.consts) out.consts.add(f(c));
  for (const u of v.unknown) out.unknown.add(u);
  for (const p of v.params) out.unknown.add(`${paramReason} ${paramName(p)}`);
  return out;
}

/**
 * What the walk follows: a register, or the 8 bytes at rsp+slot (rsp as it is at that point);
 * `outgoing` marks an argument being passed to a call, which the code stores after any earlier call.
 */
type Loc = { reg: Gpr; slot?: undefined } | { reg?: undefined; slot: bigint; outgoing?: boolean };

interface Walk {
  ctx: FlowContext;
  steps: number;
  onStack: Set<string>;
  memo: Map<string, ValueSet>;
  cut: boolean;
  /** Whether the function takes the address of stack memory (then a slot may change behind our back). */
  stackEscapes?: boolean;
}

/** The values parameter `param` (a register, or a stack argument of a call) holds just before the instruction at `index`. */
export function valuesBefore(ctx: FlowContext, index: number, param: number): ValueSet {
  const walk: Walk = { ctx, steps: 0, onStack: new Set(), memo: new Map(), cut: false };
  // A tail jump leaves the return address on the stack: its stack arguments start 8 bytes higher.
  const skip = ctx.semanticsAt(index).call === true ? 0 : 8;
  const loc: Loc = param < stackArg ? { reg: param } : { slot: BigInt(skip + 8 * (param - stackArg)), outgoing: true };
  const v = evalIn(walk, loc, ctx.cfg.blockOf[index], index);
  if (v.consts.size === 0 && v.params.size === 0 && v.unknown.size === 0) v.unknown.add('code reached only through an unresolved jump');
  return v;
}

function evalIn(w: Walk, start: Loc, block: number, pos: number): ValueSet {
  const { cfg } = w.ctx;
  let loc = start;
  for (let i = pos - 1; i >= cfg.blockStart[block]; i--) {
    if (++w.steps > maxSteps) return unknown('data flow too complex');
    const s = w.ctx.semanticsAt(i);
    if (loc.slot === undefined) {
      const def = s.defs.get(loc.reg);
      if (def !== undefined) return applyDef(w, def, loc.reg, block, i);
      continue;
    }
    // Between an argument's store and its call, nothing but rsp-based stores may change it.
    if (loc.outgoing === true && s.call) return unknown('stack argument stored before an earlier call');
    if (loc.outgoing === true && s.memWrite) return unknown('memory written between a stack argument\'s store and the call');
    const step = slotStep(w, s, loc.slot, block, i);
    if (typeof step !== 'bigint') return step;
    loc = { slot: step, outgoing: loc.outgoing };
  }
  return atBlockStart(w, loc, block);
}

/**
 * Walking back over one instruction while following the slot at rsp+slot: the value when the
 * instruction stores it, unknown when it may change it otherwise, else the slot's offset before it.
 * A call is passed over: compilers reload a spilled value after a call only when the callee cannot
 * reach it (and the function takes no stack address, checked before following a slot).
 */
function slotStep(w: Walk, s: Semantics, slot: bigint, block: number, i: number): ValueSet | bigint {
  const st = s.stackStore;
  if (st !== undefined && st.offset === slot) {
    if (st.value !== undefined) return constant(st.value);
    if (st.from !== undefined) return evalIn(w, { reg: st.from }, block, i);
  }
  const overlaps = (offset: bigint, size: number): boolean => offset < slot + 8n && slot < offset + BigInt(size);
  if (s.stackWrites === 'frame') return unknown('stack slot written through rbp');
  if ((st !== undefined && overlaps(st.offset, 8)) || s.stackWrites?.some((x) => overlaps(x.offset, x.size))) return unknown('stack slot overwritten');
  if (s.rspDelta !== undefined) {
    const before = slot + s.rspDelta;
    return before < 0n ? unknown('stack slot below the stack pointer') : before;
  }
  return s.movesStack ? unknown('stack pointer changed') : slot;
}

function stackEscapes(w: Walk): boolean {
  if (w.stackEscapes === undefined) {
    w.stackEscapes = false;
    for (let i = 0; i < w.ctx.cfg.blockOf.length && !w.stackEscapes; i++) w.stackEscapes = w.ctx.semanticsAt(i).stackAddress === true;
  }
  return w.stackEscapes;
}

function constant(value: bigint): ValueSet {
  const v = emptyValues();
  v.consts.add(value);
  return v;
}

function atBlockStart(w: Walk, loc: Loc, block: number): ValueSet {
  const { cfg } = w.ctx;
  const out = emptyValues();
  if (block === cfg.entry) {
    const arg = loc.slot === undefined ? undefined : (loc.slot - 8n) / 8n;
    if (loc.slot === undefined) out.params.add(loc.reg);
    else if (arg !== undefined && loc.slot % 8n === 0n && arg >= 0n && arg < BigInt(maxStackArgs)) out.params.add(stackArg + Number(arg));
    else out.unknown.add('loaded from the caller\'s stack frame');
  }
  // A block without predecessors (bytes found between reached code, often padding that falls into
  // it) adds nothing; when no path at all gives a value, valuesBefore reports it.
  const preds = cfg.preds[block];
  const locKey = loc.slot === undefined ? `r${loc.reg}` : `${loc.outgoing === true ? 'o' : 's'}${loc.slot}`;
  for (const p of preds) {
    const key = `${p}:${locKey}`;
    const known = w.memo.get(key);
    if (known !== undefined) {
      union(out, known);
      continue;
    }
    // A loop back to a block already being evaluated adds no value that the other paths do not give.
    if (w.onStack.has(key)) {
      w.cut = true;
      continue;
    }
    w.onStack.add(key);
    const cutBefore = w.cut;
    w.cut = false;
    const v = evalIn(w, loc, p, cfg.blockEnd[p]);
    w.onStack.delete(key);
    if (!w.cut) w.memo.set(key, v);
    w.cut = w.cut || cutBefore;
    union(out, v);
  }
  return out;
}

function applyDef(w: Walk, def: Def, reg: Gpr, block: number, i: number): ValueSet {
  switch (def.kind) {
    case 'const':
      return constant(def.value);
    case 'copy': {
      const from = evalIn(w, { reg: def.from }, block, i);
      if (def.add === 0n && !def.signExtend32) return from;
      return mapConsts(from, (c) => BigInt.asUintN(def.width, (def.signExtend32 ? BigInt.asIntN(32, c) : c) + def.add), 'offset from argument');
    }
    case 'arith':
      return mapConsts(evalIn(w, { reg }, block, i), (c) => BigInt.asUintN(def.width, arith(def.op, c, def.imm)), 'arithmetic on argument');
    case 'load': {
      const raw = w.ctx.readConst(def.addr, def.size);
      if (raw === undefined) return unknown(`loaded from writable memory at 0x${def.addr.toString(16)}`);
      const v = emptyValues();
      const bits = BigInt(def.size * 8);
      v.consts.add(BigInt.asUintN(def.width, def.signed ? BigInt.asIntN(Number(bits), raw) : raw));
      return v;
    }
    case 'cmov': {
      const v = evalIn(w, { reg: def.from }, block, i);
      union(v, evalIn(w, { reg }, block, i));
      return v;
    }
    case 'partial': {
      const mask = (1n << BigInt(def.bits)) - 1n;
      return mapConsts(evalIn(w, { reg }, block, i), (c) => (c & ~mask) | def.value, 'partial write over argument');
    }
    case 'stackLoad':
      return stackEscapes(w) ? unknown('loaded from a stack slot whose address is taken') : evalIn(w, { slot: def.offset }, block, i);
    case 'pop':
      return popped(w, block, i);
    case 'unknown':
      return unknown(def.reason);
  }
}

/** The value a pop takes: the matching push earlier in the same block (push imm; pop reg idiom). */
function popped(w: Walk, block: number, popIndex: number): ValueSet {
  const { cfg } = w.ctx;
  let depth = 0;
  for (let i = popIndex - 1; i >= cfg.blockStart[block]; i--) {
    const s = w.ctx.semanticsAt(i);
    if (s.movesStack) break;
    if (s.push !== undefined) {
      if (depth > 0) {
        depth--;
        continue;
      }
      if (s.push.value !== undefined) {
        const v = emptyValues();
        v.consts.add(s.push.value);
        return v;
      }
      if (s.push.from !== undefined) return evalIn(w, { reg: s.push.from }, block, i);
      break;
    }
    if ([...s.defs.values()].some((d) => d.kind === 'pop')) depth++;
  }
  return unknown('popped from the stack');
}
