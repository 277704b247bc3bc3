// What one instruction does to the general-purpose registers, in the terms the backward data flow
// understands (constants, copies, simple arithmetic, loads from fixed addresses). Anything else that
// writes a register makes it unknown, with a reason a user can read.
import { Instruction, InstructionInfoFactory, MemorySize, Mnemonic, OpAccess, OpKind, Register } from 'iced-x86';
import { gprOf } from './gpr-of.js';
import { callerSaved, type Gpr, RAX, RCX, R11, RSP } from './regs.js';

const RBP: Gpr = 5;

export type ArithOp = 'add' | 'sub' | 'and' | 'or' | 'xor' | 'shl' | 'shr';

export type Def =
  | { kind: 'const'; value: bigint }
  /** dest = extend(from) + add, truncated to width. */
  | { kind: 'copy'; from: Gpr; add: bigint; width: 32 | 64; signExtend32: boolean }
  /** dest = dest op imm, truncated to width. */
  | { kind: 'arith'; op: ArithOp; imm: bigint; width: 32 | 64 }
  | { kind: 'load'; addr: number; size: 1 | 2 | 4 | 8; signed: boolean; width: 32 | 64 }
  /** dest = the 8 bytes at rsp+offset (a spill slot reloaded, as Go does around every call). */
  | { kind: 'stackLoad'; offset: bigint }
  /** dest = from, or unchanged (cmovcc). */
  | { kind: 'cmov'; from: Gpr }
  | { kind: 'pop' }
  /** The low `bits` replaced by value, the rest kept (mov al, imm). */
  | { kind: 'partial'; bits: 8 | 16; value: bigint }
  | { kind: 'unknown'; reason: string };

export interface Semantics {
  defs: Map<Gpr, Def>;
  push?: { value?: bigint; from?: Gpr };
  /** Changes rsp other than by push/pop (so a pop cannot be matched across it). */
  movesStack: boolean;
  /** rsp after = rsp before + rspDelta, when rsp changes by a known amount (push, pop, add/sub rsp, imm). */
  rspDelta?: bigint;
  /** An 8-byte store of a register or a constant to [rsp+offset] (rsp as it is after the instruction). */
  stackStore?: { offset: bigint; from?: Gpr; value?: bigint };
  /** Other writes to the stack: [rsp+offset, +size) ranges, or 'frame' for a write through rbp (anywhere). */
  stackWrites?: { offset: bigint; size: number }[] | 'frame';
  /** Takes the address of stack memory (lea through rsp or rbp, other than setting up rbp itself). */
  stackAddress?: boolean;
  /** A call instruction. */
  call?: boolean;
  /** May write memory through a base other than rsp (any memory destination operand, string stores). */
  memWrite?: boolean;
}

const arithOps = new Map<Mnemonic, ArithOp>([
  [Mnemonic.Add, 'add'],
  [Mnemonic.Sub, 'sub'],
  [Mnemonic.And, 'and'],
  [Mnemonic.Or, 'or'],
  [Mnemonic.Xor, 'xor'],
  [Mnemonic.Shl, 'shl'],
  [Mnemonic.Shr, 'shr'],
]);

const cmovs = new Set<Mnemonic>([
  Mnemonic.Cmova, Mnemonic.Cmovae, Mnemonic.Cmovb, Mnemonic.Cmovbe, Mnemonic.Cmove, Mnemonic.Cmovg, Mnemonic.Cmovge, Mnemonic.Cmovl,
  Mnemonic.Cmovle, Mnemonic.Cmovne, Mnemonic.Cmovno, Mnemonic.Cmovnp, Mnemonic.Cmovns, Mnemonic.Cmovo, Mnemonic.Cmovp, Mnemonic.Cmovs,
]);

/** Instructions with a memory first operand that only read it (multi-byte nops, compares). */
const memoryReaders = new Set<Mnemonic>([Mnemonic.Nop, Mnemonic.Cmp, Mnemonic.Test, Mnemonic.Bt, Mnemonic.Prefetchnta, Mnemonic.Prefetcht0, Mnemonic.Prefetcht1, Mnemonic.Prefetcht2]);

function isImmediate(k: OpKind): boolean {
  return k >= OpKind.Immediate8 && k <= OpKind.Immediate32to64;
}

function memBytes(size: MemorySize): 1 | 2 | 4 | 8 | undefined {
  switch (size) {
    case MemorySize.UInt8: case MemorySize.Int8: return 1;
    case MemorySize.UInt16: case MemorySize.Int16: return 2;
    case MemorySize.UInt32: case MemorySize.Int32: return 4;
    case MemorySize.UInt64: case MemorySize.Int64: return 8;
    default: return undefined;
  }
}

/** A fixed address the memory operand reads: rip-relative or absolute, else undefined. */
function fixedAddress(ins: Instruction): number | undefined {
  if (ins.isIpRelMemoryOperand) return Number(ins.ipRelMemoryAddress);
  if (ins.memoryBase === Register.None && ins.memoryIndex === Register.None) return Number(ins.memoryDisplacementU64);
  return undefined;
}

/** An rsp-based memory operand without an index: its displacement, else undefined. */
function rspOffset(ins: Instruction): bigint | undefined {
  if (ins.memoryBase !== Register.RSP || ins.memoryIndex !== Register.None) return undefined;
  return BigInt.asIntN(64, ins.memoryDisplacementU64);
}

function name(ins: Instruction): string {
  return Mnemonic[ins.mnemonic].toLowerCase();
}

interface UsedMemoryInfo {
  access: OpAccess;
  base: Register;
  index: Register;
  displacement: bigint;
  memorySize: MemorySize;
  free(): void;
}

function writes(a: OpAccess): boolean {
  return a === OpAccess.Write || a === OpAccess.CondWrite || a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite;
}

/** The stack writes among an instruction's memory accesses (each wasm object freed after reading). */
function stackWritesOf(used: UsedMemoryInfo[]): Semantics['stackWrites'] {
  const out: { offset: bigint; size: number }[] = [];
  let frame = false;
  for (const u of used) {
    if (writes(u.access)) {
      if (u.base === Register.RBP || (u.base === Register.RSP && u.index !== Register.None)) frame = true;
      // Vector stores are up to 64 bytes; an unknown size is taken as that much.
      else if (u.base === Register.RSP) out.push({ offset: BigInt.asIntN(64, u.displacement), size: memBytes(u.memorySize) ?? 64 });
    }
    u.free();
  }
  if (frame) return 'frame';
  return out.length > 0 ? out : undefined;
}

/** The semantics of a decoded instruction. `factory` answers for instructions not modelled here. */
export function semanticsOf(ins: Instruction, factory: InstructionInfoFactory): Semantics {
  const defs = new Map<Gpr, Def>();
  const out: Semantics = { defs, movesStack: false };
  const m = ins.mnemonic;
  const dest = ins.opCount > 0 && ins.op0Kind === OpKind.Register ? gprOf(ins.op0Register) : undefined;
  const wide = dest !== undefined && dest.bits >= 32;
  const width = dest?.bits === 64 ? 64 : 32;
  const k1 = ins.opCount > 1 ? ins.op1Kind : undefined;
  const src = k1 === OpKind.Register ? gprOf(ins.op1Register) : undefined;
  if (ins.opCount > 0 && !memoryReaders.has(m) && ((ins.op0Kind === OpKind.Memory && ins.memoryBase !== Register.RSP) || (ins.op0Kind >= OpKind.MemorySegSI && ins.op0Kind <= OpKind.MemoryESRDI))) out.memWrite = true;

  if (m === Mnemonic.Mov && dest !== undefined) {
    if (k1 !== undefined && isImmediate(k1)) {
      const v = ins.immediate(1);
      defs.set(dest.gpr, wide ? { kind: 'const', value: BigInt.asUintN(width, v) } : dest.high8 ? { kind: 'unknown', reason: 'partial register write' } : { kind: 'partial', bits: dest.bits as 8 | 16, value: BigInt.asUintN(dest.bits, v) });
    } else if (src !== undefined && wide && src.bits === dest.bits) {
      defs.set(dest.gpr, { kind: 'copy', from: src.gpr, add: 0n, width, signExtend32: false });
      if ((src.gpr === RSP || src.gpr === RBP) && dest.gpr !== RBP) out.stackAddress = true;
    } else if (k1 === OpKind.Memory && wide) {
      const addr = fixedAddress(ins);
      const slot = width === 64 ? rspOffset(ins) : undefined;
      if (slot !== undefined) defs.set(dest.gpr, { kind: 'stackLoad', offset: slot });
      else defs.set(dest.gpr, addr === undefined ? { kind: 'unknown', reason: 'loaded from memory' } : { kind: 'load', addr, size: (width / 8) as 4 | 8, signed: false, width });
    } else defs.set(dest.gpr, { kind: 'unknown', reason: 'partial register write' });
    return out;
  }
  if ((m === Mnemonic.Movsxd || m === Mnemonic.Movzx || m === Mnemonic.Movsx) && dest !== undefined && wide) {
    const signed = m !== Mnemonic.Movzx;
    if (src !== undefined && src.bits === 32 && m === Mnemonic.Movsxd) {
      defs.set(dest.gpr, { kind: 'copy', from: src.gpr, add: 0n, width, signExtend32: true });
    } else if (k1 === OpKind.Memory) {
      const addr = fixedAddress(ins);
      const size = memBytes(ins.memorySize);
      defs.set(dest.gpr, addr === undefined || size === undefined ? { kind: 'unknown', reason: 'loaded from memory' } : { kind: 'load', addr, size, signed, width });
    } else defs.set(dest.gpr, { kind: 'unknown', reason: `computed by ${name(ins)}` });
    return out;
  }
  if (m === Mnemonic.Lea && dest !== undefined && wide) {
    const base = ins.memoryBase;
    if ((base === Register.RSP || base === Register.RBP) && dest.gpr !== RBP) out.stackAddress = true;
    if (dest.gpr === RSP) {
      out.movesStack = true;
      if (base === Register.RSP && ins.memoryIndex === Register.None) out.rspDelta = BigInt.asIntN(64, ins.memoryDisplacementU64);
    }
    if (ins.memoryIndex !== Register.None) defs.set(dest.gpr, { kind: 'unknown', reason: 'computed by lea with an index' });
    else if (base === Register.RIP) defs.set(dest.gpr, { kind: 'const', value: BigInt.asUintN(width, ins.ipRelMemoryAddress) });
    else if (base === Register.None) defs.set(dest.gpr, { kind: 'const', value: BigInt.asUintN(width, ins.memoryDisplacementU64) });
    else {
      const b = gprOf(base);
      const disp = BigInt.asIntN(64, ins.memoryDisplacementU64);
      defs.set(dest.gpr, b === undefined ? { kind: 'unknown', reason: 'computed by lea' } : { kind: 'copy', from: b.gpr, add: disp, width, signExtend32: false });
    }
    return out;
  }
  if ((m === Mnemonic.Xor || m === Mnemonic.Sub) && dest !== undefined && wide && src !== undefined && src.gpr === dest.gpr) {
    defs.set(dest.gpr, { kind: 'const', value: 0n });
    return out;
  }
  const op = arithOps.get(m);
  if (op !== undefined && dest !== undefined && wide && k1 !== undefined && isImmediate(k1)) {
    defs.set(dest.gpr, { kind: 'arith', op, imm: BigInt.asUintN(64, ins.immediate(1)), width });
    if (dest.gpr === RSP) {
      out.movesStack = true;
      const imm = BigInt.asIntN(64, ins.immediate(1));
      if (width === 64 && (op === 'add' || op === 'sub')) out.rspDelta = op === 'add' ? imm : -imm;
    }
    return out;
  }
  if ((m === Mnemonic.Inc || m === Mnemonic.Dec) && dest !== undefined && wide) {
    defs.set(dest.gpr, { kind: 'arith', op: m === Mnemonic.Inc ? 'add' : 'sub', imm: 1n, width });
    return out;
  }
  if (cmovs.has(m) && dest !== undefined && wide && src !== undefined) {
    defs.set(dest.gpr, { kind: 'cmov', from: src.gpr });
    return out;
  }
  if (m === Mnemonic.Xchg && dest !== undefined && src !== undefined && wide && src.bits === dest.bits) {
    defs.set(dest.gpr, { kind: 'copy', from: src.gpr, add: 0n, width, signExtend32: false });
    defs.set(src.gpr, { kind: 'copy', from: dest.gpr, add: 0n, width, signExtend32: false });
    return out;
  }
  if (m === Mnemonic.Pop && dest !== undefined && dest.bits === 64) {
    defs.set(dest.gpr, { kind: 'pop' });
    out.rspDelta = 8n;
    return out;
  }
  if (m === Mnemonic.Push && ins.opCount === 1) {
    const k = ins.op0Kind;
    if (isImmediate(k)) out.push = { value: BigInt.asUintN(64, ins.immediate(0)) };
    else if (dest !== undefined && dest.bits === 64) out.push = { from: dest.gpr };
    else out.push = {};
    out.rspDelta = -8n;
    out.stackStore = { offset: 0n, ...out.push };
    if (out.push.value === undefined && out.push.from === undefined) out.stackWrites = [{ offset: 0n, size: 8 }];
    return out;
  }
  if (m === Mnemonic.Mov && ins.opCount === 2 && ins.op0Kind === OpKind.Memory) {
    const slot = rspOffset(ins);
    const size = memBytes(ins.memorySize);
    if (slot !== undefined && size === 8 && (src?.bits === 64 || (k1 !== undefined && isImmediate(k1)))) {
      out.stackStore = src !== undefined ? { offset: slot, from: src.gpr } : { offset: slot, value: BigInt.asUintN(64, ins.immediate(1)) };
    } else if (slot !== undefined) out.stackWrites = [{ offset: slot, size: size ?? 64 }];
    else if (ins.memoryBase === Register.RBP) out.stackWrites = 'frame';
    return out;
  }
  if (m === Mnemonic.Call) {
    out.call = true;
    for (const g of callerSaved) defs.set(g, { kind: 'unknown', reason: g === RAX ? 'return value of a call' : 'changed by a call' });
    return out;
  }
  if (m === Mnemonic.Syscall) {
    defs.set(RAX, { kind: 'unknown', reason: 'result of a syscall' });
    defs.set(RCX, { kind: 'unknown', reason: 'changed by a syscall' });
    defs.set(R11, { kind: 'unknown', reason: 'changed by a syscall' });
    return out;
  }
  // usedRegisters() hands out wasm objects: read each, then free it and the info.
  const info = factory.info(ins);
  const used = info.usedRegisters() as { register: Register; access: OpAccess; free(): void }[];
  if (ins.memoryBase === Register.RSP || ins.memoryBase === Register.RBP) out.stackWrites = stackWritesOf(info.usedMemory() as UsedMemoryInfo[]);
  info.free();
  for (const u of used) {
    const a = u.access;
    const g = gprOf(u.register);
    u.free();
    if (a !== OpAccess.Write && a !== OpAccess.CondWrite && a !== OpAccess.ReadWrite && a !== OpAccess.ReadCondWrite) continue;
    if (g === undefined) continue;
    if (g.gpr === RSP) {
      if (m !== Mnemonic.Pop && m !== Mnemonic.Push) out.movesStack = true;
      continue;
    }
    defs.set(g.gpr, { kind: 'unknown', reason: `computed by ${name(ins)}` });
  }
  return out;
}
