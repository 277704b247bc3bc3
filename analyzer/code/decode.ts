// Decoding functions with iced-x86: from a start address, following control flow (not a linear
// sweep), so that data placed in .text between functions never yields instructions. One Decoder and
// one Instruction per region are reused for every instruction (decodeOut), and freed at the end.
import { Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic, OpKind, Register } from 'iced-x86';

export const Flow = {
  Next: 0,
  Jump: 1,
  CondJump: 2,
  IndirectJump: 3,
  Return: 4,
  Call: 5,
  IndirectCall: 6,
  Syscall: 7,
  /** int 0x80 or sysenter: the 32-bit syscall ABI. */
  Abi32: 8,
  /** ud2, int3, hlt and other instructions after which execution does not continue. */
  Stop: 9,
  Invalid: 10,
} as const;
export type Flow = (typeof Flow)[keyof typeof Flow];

/** Flows after which the next instruction is not executed. */
export function endsRun(flow: Flow): boolean {
  return flow === Flow.Jump || flow === Flow.IndirectJump || flow === Flow.Return || flow === Flow.Stop || flow === Flow.Invalid;
}

export interface CodeRegion {
  /** Virtual address of bytes[0]. */
  base: number;
  bytes: Uint8Array;
}

/** Reads a little-endian value of the given size at a virtual address, or undefined outside the file. */
export type ReadData = (addr: number, size: 1 | 2 | 4 | 8) => bigint | undefined;

/** A function's instructions in address order, as parallel arrays (cheap to build and to cache in memory). */
export interface DecodedFunction {
  start: number;
  addrs: number[];
  lens: number[];
  flows: Flow[];
  /** Branch or call target; NaN when none or indirect. */
  targets: number[];
  /** An address the instruction mentions: rip-relative or absolute memory operand, or a mov/push immediate. NaN when none. */
  refs: number[];
  /** Indirect jumps whose table was read, with the targets found. */
  jumpTables: Map<number, number[]>;
}

interface Raw {
  addr: number;
  len: number;
  flow: Flow;
  target: number;
  ref: number;
  /** The immediate of a `cmp REG, IMM` (a switch's bound before its jump table); NaN otherwise. */
  cmpImm: number;
}

const maxTableEntries = 4096;

/** A reusable decoder over one executable region. Call free() when done. */
export class RegionDecoder {
  private readonly decoder: Decoder;
  private readonly instr = new Instruction();
  /** Where the decoder stands: the address after the last instruction decoded (no need to seek there). */
  private next = NaN;
  /** Bytes decoded so far (a figure for the benchmark). */
  decodedBytes = 0;

  constructor(readonly region: CodeRegion) {
    this.decoder = new Decoder(64, region.bytes, DecoderOptions.None);
  }

  contains(addr: number): boolean {
    return addr >= this.region.base && addr < this.region.base + this.region.bytes.length;
  }

  /** Decode the instruction at addr (which must lie in the region). Each property read is a call into wasm: each is read once. */
  decodeAt(addr: number): Raw {
    const d = this.decoder;
    const ins = this.instr;
    if (addr !== this.next) {
      d.position = addr - this.region.base;
      d.ip = BigInt(addr);
    }
    d.decodeOut(ins);
    const len = ins.length;
    this.next = addr + len;
    this.decodedBytes += len;
    // Only Code.INVALID has the INVALID mnemonic.
    const m = ins.mnemonic;
    if (m === Mnemonic.INVALID && ins.isInvalid) return { addr, len: Math.max(len, 1), flow: Flow.Invalid, target: NaN, ref: NaN, cmpImm: NaN };
    const fc = ins.flowControl;
    let flow: Flow = Flow.Next;
    let target = NaN;
    let ref = NaN;
    switch (fc) {
      case FlowControl.Next:
        if (m === Mnemonic.Hlt) flow = Flow.Stop;
        break;
      case FlowControl.UnconditionalBranch:
        flow = Flow.Jump;
        if (ins.op0Kind === OpKind.NearBranch64) target = Number(ins.nearBranchTarget);
        else flow = Flow.Stop; // far jumps do not occur in user code
        break;
      case FlowControl.ConditionalBranch:
        flow = Flow.CondJump;
        target = Number(ins.nearBranchTarget);
        break;
      case FlowControl.IndirectBranch:
        flow = Flow.IndirectJump;
        break;
      case FlowControl.Return:
        flow = Flow.Return;
        break;
      case FlowControl.Call:
        if (m === Mnemonic.Syscall) flow = Flow.Syscall;
        else if (m === Mnemonic.Sysenter) flow = Flow.Abi32;
        else if (ins.op0Kind === OpKind.NearBranch64) {
          flow = Flow.Call;
          target = Number(ins.nearBranchTarget);
        } else flow = Flow.Stop;
        break;
      case FlowControl.IndirectCall:
        flow = Flow.IndirectCall;
        break;
      case FlowControl.Interrupt:
        // int3 (padding, traps) stops; int 0x80 is the 32-bit syscall; other vectors fall through.
        if (m === Mnemonic.Int) flow = ins.immediate8 === 0x80 ? Flow.Abi32 : Flow.Next;
        else flow = Flow.Stop;
        break;
      default:
        flow = Flow.Stop;
    }
    if (ins.isIpRelMemoryOperand) ref = Number(ins.ipRelMemoryAddress);
    else if (flow === Flow.Next) {
      if ((m === Mnemonic.Mov || m === Mnemonic.Push) && ins.opCount >= 1) {
        const k = ins.opCount === 1 ? ins.op0Kind : ins.op1Kind;
        if (k === OpKind.Immediate32to64 || k === OpKind.Immediate32 || k === OpKind.Immediate64) {
          ref = Number(ins.opCount === 1 ? ins.immediate(0) : ins.immediate(1));
        }
      }
    } else if ((flow === Flow.IndirectJump || flow === Flow.IndirectCall) && ins.op0Kind === OpKind.Memory && ins.memoryBase === Register.None) {
      ref = Number(ins.memoryDisplacementU64);
    }
    let cmpImm = NaN;
    if (m === Mnemonic.Cmp && ins.op0Kind === OpKind.Register) {
      const k = ins.op1Kind;
      if (k === OpKind.Immediate8 || k === OpKind.Immediate8to32 || k === OpKind.Immediate8to64 || k === OpKind.Immediate32 || k === OpKind.Immediate32to64) {
        cmpImm = Number(ins.immediate(1));
      }
    }
    return { addr, len, flow, target, ref, cmpImm };
  }

  free(): void {
    this.decoder.free();
    this.instr.free();
  }
}

/**
 * Decode the function at `start`, following control flow inside [lo, hi). Branches leaving the range
 * are kept as targets (tail calls). Indirect jumps through a recognizable jump table are followed.
 * Bytes in [lo, hi) that traversal missed are handled by `gaps`: 'clean' adds a gap when it decodes
 * without an invalid instruction up to a known instruction (or hi): switch cases reached through tables
 * we could not read; 'resync' is the linear sweep for code without any function bounds: it decodes
 * every gap and skips one byte after an invalid instruction.
 */
export type GapMode = 'none' | 'clean' | 'resync';

export function decodeFunction(dec: RegionDecoder, start: number, lo: number, hi: number, readData: ReadData, gaps: GapMode, gapHi = hi): DecodedFunction {
  const known = new Decoded(lo, Math.min(hi, dec.region.base + dec.region.bytes.length));
  const jumpTables = new Map<number, number[]>();
  const work = [start];
  const inRange = (a: number): boolean => a >= lo && a < hi && dec.contains(a);
  while (work.length > 0) {
    let a = work.pop() as number;
    const run: Raw[] = [];
    while (inRange(a) && !known.has(a)) {
      const r = dec.decodeAt(a);
      if (a + r.len > hi && r.flow !== Flow.Invalid) break;
      known.add(r);
      run.push(r);
      if ((r.flow === Flow.Jump || r.flow === Flow.CondJump) && inRange(r.target)) work.push(r.target);
      if (r.flow === Flow.IndirectJump) {
        const targets = readJumpTable(run, r, lo, hi, readData, (a) => dec.contains(a));
        if (targets.length > 0) {
          jumpTables.set(r.addr, targets);
          for (const t of targets) if (inRange(t)) work.push(t);
        }
      }
      if (endsRun(r.flow)) break;
      a += r.len;
    }
  }
  if (gaps !== 'none') addGaps(dec, known, lo, Math.min(gapHi, hi, dec.region.base + dec.region.bytes.length), gaps === 'resync');
  const sorted = known.inOrder();
  return {
    start,
    addrs: sorted.map((r) => r.addr),
    lens: sorted.map((r) => r.len),
    flows: sorted.map((r) => r.flow),
    targets: sorted.map((r) => r.target),
    refs: sorted.map((r) => r.ref),
    jumpTables,
  };
}

/** The instructions decoded in [lo, hi), by start address: an index per byte, so that address order costs no sort. */
class Decoded {
  private readonly index: Int32Array;
  private readonly list: Raw[] = [];

  constructor(private readonly lo: number, hi: number) {
    this.index = new Int32Array(Math.max(0, hi - lo));
  }

  has(addr: number): boolean {
    return this.index[addr - this.lo] !== 0;
  }

  add(r: Raw): void {
    this.list.push(r);
    this.index[r.addr - this.lo] = this.list.length;
  }

  inOrder(): Raw[] {
    if (this.list.length === 0) return [];
    const out: Raw[] = [];
    for (let i = 0; i < this.index.length; i++) if (this.index[i] !== 0) out.push(this.list[this.index[i] - 1]);
    return out;
  }
}

/**
 * Switch tables as compilers emit them: `jmp [T + idx*8]` with absolute entries (non-PIC), or
 * `lea rT,[rip+T]; movsxd rX,[rT+idx*4]; add rX,rT; jmp rX` with 32-bit entries relative to T (PIC).
 * Entries are read while they land inside the function; with the switch's bound (`cmp idx, N` before
 * the jump), all N+1 entries are read when they all land in code, also those leaving the function (a
 * case moved to a cold part, a tail call): the caller follows them as calls.
 */
function readJumpTable(run: Raw[], jmp: Raw, lo: number, hi: number, readData: ReadData, inCode: (a: number) => boolean): number[] {
  let bound = NaN;
  for (let k = run.length - 2; k >= 0 && k >= run.length - 12; k--) {
    if (!Number.isNaN(run[k].cmpImm)) {
      bound = run[k].cmpImm;
      break;
    }
  }
  const entry = (i: number): number | undefined => {
    if (!Number.isNaN(jmp.ref)) {
      const v = readData(jmp.ref + i * 8, 8);
      return v === undefined ? undefined : Number(v);
    }
    return undefined;
  };
  const pic = (t: number, i: number): number | undefined => {
    const v = readData(t + i * 4, 4);
    return v === undefined ? undefined : t + Number(BigInt.asIntN(32, v));
  };
  const read = (at: (i: number) => number | undefined): number[] => {
    const out: number[] = [];
    for (let i = 0; i < maxTableEntries; i++) {
      const v = at(i);
      if (v === undefined || v < lo || v >= hi) break;
      out.push(v);
    }
    if (bound >= 0 && bound < maxTableEntries && bound >= out.length) {
      // A compare that is not the switch's bound gives entries outside code: they are not taken.
      const all: number[] = [];
      for (let i = 0; i <= bound; i++) {
        const v = at(i);
        if (v === undefined || !inCode(v)) break;
        all.push(v);
      }
      if (all.length === bound + 1) return all;
    }
    return out;
  };
  if (!Number.isNaN(jmp.ref)) return read(entry);
  for (let k = run.length - 2; k >= 0 && k >= run.length - 10; k--) {
    const t = run[k].ref;
    if (Number.isNaN(t)) continue;
    return read((i) => pic(t, i));
  }
  return [];
}

function addGaps(dec: RegionDecoder, known: Decoded, lo: number, hi: number, resync: boolean): void {
  let cursor = lo;
  const gaps: [number, number][] = [];
  for (const r of known.inOrder()) {
    if (r.addr > cursor) gaps.push([cursor, r.addr]);
    cursor = Math.max(cursor, r.addr + r.len);
  }
  if (cursor < hi) gaps.push([cursor, hi]);
  for (const [from, to] of gaps) {
    const found: Raw[] = [];
    let a = from;
    let clean = true;
    while (a < to) {
      const r = dec.decodeAt(a);
      if (r.flow === Flow.Invalid || a + r.len > to) {
        if (resync) {
          a += 1;
          continue;
        }
        clean = false;
        break;
      }
      found.push(r);
      a += r.len;
    }
    if (clean) for (const r of found) known.add(r);
  }
}
