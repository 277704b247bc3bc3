// Decoding functions with iced-x86: from a start address, following control flow (not a linear
// sweep), so that data placed in .text between functions never yields instructions. One Decoder and
// one Instruction per region are reused for every instruction (decodeOut), and freed at the end.
import { Decoder, DecoderOptions, FlowControl, Instruction, Mnemonic, OpKind, Register } from 'iced-x86';
import { endsRun, Flow } from './flow.js';
import { quickDecode } from './quick-decode.js';

export { endsRun, Flow } from './flow.js';

/** The jump tables of a function without any: one map for all of them (most functions). */
export const noJumpTables: ReadonlyMap<number, number[]> = new Map();

/** Flows whose instruction has a target (DecodedFunction.targets); the others may have a ref. */
export function hasTarget(flow: Flow): boolean {
  return flow === Flow.Jump || flow === Flow.CondJump || flow === Flow.Call;
}

export interface CodeRegion {
  /** Virtual address of bytes[0]. */
  base: number;
  bytes: Uint8Array;
}

/** Reads a little-endian value of the given size at a virtual address, or undefined outside the file. */
export type ReadData = (addr: number, size: 1 | 2 | 4 | 8) => bigint | undefined;

/** Each instruction's Flow: a typed column, as the others. */
export interface FlowColumn extends Uint8Array {
  [index: number]: Flow;
}

/**
 * A function's instructions in address order, as parallel arrays (cheap to build and to keep: an
 * object's analysis keeps every function's, and typed arrays cost the garbage collector nothing).
 */
export interface DecodedFunction {
  start: number;
  addrs: Float64Array;
  lens: Uint8Array;
  flows: FlowColumn;
  /**
   * A direct branch's or call's target: read it for Jump, CondJump and Call only. It shares its
   * column with refs (an instruction has one or the other, never both): one array less to fill.
   */
  targets: Float64Array;
  /** An address another instruction mentions: rip-relative or absolute memory operand, or a mov/push immediate; NaN when none. Not for Jump, CondJump and Call. */
  refs: Float64Array;
  /** Indirect jumps whose table was read, with the targets found (most functions share noJumpTables). */
  jumpTables: ReadonlyMap<number, number[]>;
  /** Of those, the tables read without a bound (no `cmp` before the jump that fits): entries were followed while they land in the function. */
  unboundedTables: number;
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
  /** Made on first use: it copies the region into wasm memory, and most decodes never need it. */
  private iced: Decoder | undefined;
  private readonly instr = new Instruction();
  /** Where the decoder stands: the address after the last instruction decoded (no need to seek there). */
  private next = NaN;
  /** Bytes decoded so far (a figure for the benchmark). */
  decodedBytes = 0;
  /** The last instruction decode() read (see Raw): fields, not an object, as decoding makes millions. */
  len = 0;
  flow: Flow = Flow.Next;
  target = NaN;
  ref = NaN;
  cmpImm = NaN;
  /** Whether it has a rip-relative memory operand (it then means something else at another address). */
  ipRel = false;

  /** `quick`: common instructions are decoded from quick-decode.ts's tables, the others by iced-x86 (false: all by iced-x86, as a reference). */
  constructor(
    readonly region: CodeRegion,
    private readonly quick = true,
  ) {}

  private get decoder(): Decoder {
    this.iced ??= new Decoder(64, this.region.bytes, DecoderOptions.None);
    return this.iced;
  }

  contains(addr: number): boolean {
    return addr >= this.region.base && addr < this.region.base + this.region.bytes.length;
  }

  /**
   * The table an instruction at addr indexes with an absolute address and no base register
   * (`mov rsi, [T + rax*8]`, as code built without -fPIE reads an array), or NaN.
   */
  indexedTable(addr: number): number {
    const ins = this.instr;
    this.decodeInto(addr, ins);
    for (let k = 0; k < ins.opCount; k++) {
      if (ins.opKind(k) === OpKind.Memory) return ins.memoryBase === Register.None && ins.memoryIndex !== Register.None ? Number(ins.memoryDisplacementU64) : NaN;
    }
    return NaN;
  }

  /** Decode the instruction at addr into `into`, every detail kept (the data flow's semantics share this decoder). */
  decodeInto(addr: number, into: Instruction): void {
    if (addr !== this.next) {
      this.decoder.position = addr - this.region.base;
      this.decoder.ip = BigInt(addr);
    }
    this.decoder.decodeOut(into);
    this.next = addr + into.length;
  }

  /** Decode the instruction at addr (which must lie in the region). */
  decodeAt(addr: number): Raw {
    this.decode(addr);
    return { addr, len: this.len, flow: this.flow, target: this.target, ref: this.ref, cmpImm: this.cmpImm };
  }

  /** Decode the instruction at addr into len, flow, target, ref, cmpImm and ipRel. */
  decode(addr: number): void {
    if (!this.quick || !quickDecode(this.region.bytes, addr - this.region.base, addr, this)) this.decodeIced(addr);
    this.decodedBytes += this.len;
  }

  /** decode() by iced-x86. Each property read is a call into wasm: each is read once. */
  private decodeIced(addr: number): void {
    const d = this.decoder;
    const ins = this.instr;
    if (addr !== this.next) {
      d.position = addr - this.region.base;
      d.ip = BigInt(addr);
    }
    d.decodeOut(ins);
    const len = ins.length;
    this.next = addr + len;
    // Only Code.INVALID has the INVALID mnemonic.
    const m = ins.mnemonic;
    if (m === Mnemonic.INVALID && ins.isInvalid) {
      this.ipRel = false;
      this.set(Math.max(len, 1), Flow.Invalid, NaN, NaN, NaN);
      return;
    }
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
    this.ipRel = ins.isIpRelMemoryOperand;
    if (this.ipRel) ref = Number(ins.ipRelMemoryAddress);
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
    this.set(len, flow, target, ref, cmpImm);
  }

  private set(len: number, flow: Flow, target: number, ref: number, cmpImm: number): void {
    this.len = len;
    this.flow = flow;
    this.target = target;
    this.ref = ref;
    this.cmpImm = cmpImm;
  }

  free(): void {
    this.iced?.free();
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
  try {
    let jumpTables: Map<number, number[]> | undefined;
    let unboundedTables = 0;
    const work = [start];
    const inRange = (a: number): boolean => a >= lo && a < hi && dec.contains(a);
    while (work.length > 0) {
      let a = work.pop() as number;
      // The straight-line run from a: consecutive scratch entries from runStart on.
      const runStart = scratch.count;
      while (inRange(a) && !known.has(a)) {
        dec.decode(a);
        const flow = dec.flow;
        if (a + dec.len > hi && flow !== Flow.Invalid) break;
        const i = known.add(a, dec);
        if ((flow === Flow.Jump || flow === Flow.CondJump) && inRange(dec.target)) work.push(dec.target);
        if (flow === Flow.IndirectJump) {
          const { targets, bounded } = readJumpTable(runStart, i, lo, hi, readData, (a) => dec.contains(a));
          if (targets.length > 0) {
            if (!bounded) unboundedTables++;
            (jumpTables ??= new Map()).set(a, targets);
            for (const t of targets) if (inRange(t)) work.push(t);
          }
        }
        if (endsRun(flow)) break;
        a += scratch.len[i];
      }
    }
    if (gaps !== 'none') addGaps(dec, known, Math.min(gapHi, hi, dec.region.base + dec.region.bytes.length), gaps === 'resync');
    return known.toFunction(start, jumpTables ?? noJumpTables, unboundedTables);
  } finally {
    known.release();
  }
}

/**
 * Every instruction decoded for the current function, as columns (decoding is synchronous: one set
 * for all functions, grown as needed). Entries are appended; Decoded indexes those it keeps.
 */
class Scratch {
  count = 0;
  addr: Float64Array = new Float64Array(1024);
  len: Uint8Array = new Uint8Array(1024);
  flow: Uint8Array = new Uint8Array(1024);
  target: Float64Array = new Float64Array(1024);
  ref: Float64Array = new Float64Array(1024);
  cmpImm: Float64Array = new Float64Array(1024);

  /** Appends the instruction the decoder just read, at addr; returns its entry. */
  push(addr: number, dec: RegionDecoder): number {
    if (this.count === this.addr.length) this.grow();
    const i = this.count++;
    this.addr[i] = addr;
    this.len[i] = dec.len;
    this.flow[i] = dec.flow;
    this.target[i] = dec.target;
    this.ref[i] = dec.ref;
    this.cmpImm[i] = dec.cmpImm;
    return i;
  }

  private grow(): void {
    const n = this.addr.length * 2;
    const f64 = (old: Float64Array): Float64Array => {
      const a = new Float64Array(n);
      a.set(old);
      return a;
    };
    const u8 = (old: Uint8Array): Uint8Array => {
      const a = new Uint8Array(n);
      a.set(old);
      return a;
    };
    this.addr = f64(this.addr);
    this.len = u8(this.len);
    this.flow = u8(this.flow);
    this.target = f64(this.target);
    this.ref = f64(this.ref);
    this.cmpImm = f64(this.cmpImm);
  }
}

const scratch = new Scratch();

/**
 * The instructions kept for the current function in [lo, hi), by start address: an index per byte
 * into the scratch columns, so that address order costs no sort. One index buffer for every function:
 * release() clears what add() set and empties the scratch. A scratch entry not kept (a gap that did
 * not decode cleanly) starts where no kept one does: clearing every entry's address is clearing the
 * kept ones.
 */
class Decoded {
  private static buffer = new Int32Array(0);
  private readonly index: Int32Array;
  private kept = 0;

  constructor(private readonly lo: number, hi: number) {
    const size = Math.max(0, hi - lo);
    if (Decoded.buffer.length < size) Decoded.buffer = new Int32Array(size);
    this.index = Decoded.buffer.subarray(0, size);
    scratch.count = 0;
  }

  has(addr: number): boolean {
    return this.index[addr - this.lo] !== 0;
  }

  /** Keeps the instruction the decoder just read at addr; returns its scratch entry. */
  add(addr: number, dec: RegionDecoder): number {
    const i = scratch.push(addr, dec);
    this.keep(i);
    return i;
  }

  /** Keeps a scratch entry. */
  keep(i: number): void {
    this.kept++;
    this.index[scratch.addr[i] - this.lo] = i + 1;
  }

  /** The runs of [lo, hi) that no kept instruction covers, as [from, to) pairs one after the other. */
  uncovered(hi: number): number[] {
    const gaps: number[] = [];
    const { index, lo } = this;
    let cursor = lo;
    for (let a = 0, seen = 0; a < index.length && seen < this.kept; a++) {
      const e = index[a];
      if (e === 0) continue;
      seen++;
      const at = lo + a;
      if (at > cursor) gaps.push(cursor, at);
      cursor = Math.max(cursor, at + scratch.len[e - 1]);
    }
    if (cursor < hi) gaps.push(cursor, hi);
    return gaps;
  }

  toFunction(start: number, jumpTables: ReadonlyMap<number, number[]>, unboundedTables: number): DecodedFunction {
    const n = this.kept;
    const operands = f64.take(n);
    const fn: DecodedFunction = { start, addrs: f64.take(n), lens: u8.take(n), flows: u8.take(n) as FlowColumn, targets: operands, refs: operands, jumpTables, unboundedTables };
    // In address order: the kept entries (one per address) as the index meets them. The columns
    // are read into locals: V8 reloads properties after each typed-array store otherwise.
    const { index } = this;
    const { addr, len, flow: flows, target, ref } = scratch;
    const { addrs, lens, flows: out } = fn;
    for (let a = 0, k = 0; k < n && a < index.length; a++) {
      const e = index[a];
      if (e === 0) continue;
      const i = e - 1;
      addrs[k] = addr[i];
      lens[k] = len[i];
      const f = flows[i] as Flow;
      out[k] = f;
      operands[k] = hasTarget(f) ? target[i] : ref[i];
      k++;
    }
    return fn;
  }

  release(): void {
    const { index, lo } = this;
    for (let i = 0; i < scratch.count; i++) index[scratch.addr[i] - lo] = 0;
    scratch.count = 0;
  }
}

const slabSize = 1 << 16;

/** Typed arrays cut from large shared chunks: one allocation per chunk, not four per function. */
class Slab<T extends Float64Array | Uint8Array> {
  private chunk: T;
  private used = 0;

  constructor(private readonly make: (buffer: ArrayBuffer | number, from?: number, length?: number) => T) {
    this.chunk = make(slabSize);
  }

  take(n: number): T {
    if (this.used + n > this.chunk.length) {
      this.chunk = this.make(Math.max(slabSize, n));
      this.used = 0;
    }
    this.used += n;
    return this.make(this.chunk.buffer as ArrayBuffer, (this.used - n) * this.chunk.BYTES_PER_ELEMENT, n);
  }
}

const f64 = new Slab((b, from, length) => (typeof b === 'number' ? new Float64Array(b) : new Float64Array(b, from, length)));
const u8 = new Slab((b, from, length) => (typeof b === 'number' ? new Uint8Array(b) : new Uint8Array(b, from, length)));

/**
 * Switch tables as compilers emit them: `jmp [T + idx*8]` with absolute entries (non-PIC), or
 * `lea rT,[rip+T]; movsxd rX,[rT+idx*4]; add rX,rT; jmp rX` with 32-bit entries relative to T (PIC).
 * Entries are read while they land inside the function; with the switch's bound (`cmp idx, N` before
 * the jump), all N+1 entries are read when they all land in code, also those leaving the function (a
 * case moved to a cold part, a tail call): the caller follows them as calls. Scratch entries first to
 * last are the straight-line run that ends with the jump. `bounded`: the switch's bound was found and
 * every entry up to it read; otherwise a case may lie outside the function, unseen.
 */
function readJumpTable(first: number, last: number, lo: number, hi: number, readData: ReadData, inCode: (a: number) => boolean): { targets: number[]; bounded: boolean } {
  const jmpRef = scratch.ref[last];
  let bound = NaN;
  for (let k = last - 1; k >= first && k >= last - 11; k--) {
    const c = scratch.cmpImm[k];
    if (!Number.isNaN(c)) {
      bound = c;
      break;
    }
  }
  const entry = (i: number): number | undefined => {
    const v = readData(jmpRef + i * 8, 8);
    return v === undefined ? undefined : Number(v);
  };
  const pic = (t: number, i: number): number | undefined => {
    const v = readData(t + i * 4, 4);
    return v === undefined ? undefined : t + Number(BigInt.asIntN(32, v));
  };
  const read = (at: (i: number) => number | undefined): { targets: number[]; bounded: boolean } => {
    const out: number[] = [];
    for (let i = 0; i < maxTableEntries; i++) {
      const v = at(i);
      if (v === undefined || v < lo || v >= hi) break;
      out.push(v);
    }
    const hasBound = bound >= 0 && bound < maxTableEntries;
    if (hasBound && bound >= out.length) {
      // A compare that is not the switch's bound gives entries outside code: they are not taken.
      const all: number[] = [];
      for (let i = 0; i <= bound; i++) {
        const v = at(i);
        if (v === undefined || !inCode(v)) break;
        all.push(v);
      }
      if (all.length === bound + 1) return { targets: all, bounded: true };
    }
    return { targets: out, bounded: hasBound && bound < out.length };
  };
  if (!Number.isNaN(jmpRef)) return read(entry);
  for (let k = last - 1; k >= first && k >= last - 9; k--) {
    const t = scratch.ref[k];
    if (Number.isNaN(t)) continue;
    return read((i) => pic(t, i));
  }
  return { targets: [], bounded: true };
}

function addGaps(dec: RegionDecoder, known: Decoded, hi: number, resync: boolean): void {
  const gaps = known.uncovered(hi);
  for (let g = 0; g < gaps.length; g += 2) {
    const to = gaps[g + 1];
    // A gap's instructions are the scratch entries from `first` on.
    const first = scratch.count;
    let a = gaps[g];
    let clean = true;
    while (a < to) {
      dec.decode(a);
      if (dec.flow === Flow.Invalid || a + dec.len > to) {
        if (resync) {
          a += 1;
          continue;
        }
        clean = false;
        break;
      }
      scratch.push(a, dec);
      a += dec.len;
    }
    if (clean) for (let i = first; i < scratch.count; i++) known.keep(i);
  }
}
