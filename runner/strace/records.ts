// The kernel's `--strace` records (kernel/trace.c; layout in kernel/IMAGE.md), read from the bytes
// of port 0xea as they come: a record may arrive in pieces.

export interface Capture {
  bytes: Buffer;
  /** The kernel kept fewer bytes than there were. */
  truncated: boolean;
  /** The memory could not be read (the syscall's EFAULT, most likely). */
  fault: boolean;
}

interface RecordBase {
  nr: number;
  pid: number;
  tid: number;
  /** CLOCK_REALTIME in the guest, in ns. */
  ns: bigint;
  /** User memory the kernel copied, by argument index. */
  captures: ReadonlyMap<number, Capture>;
}
export interface EnterRecord extends RecordBase {
  type: 'enter';
  /** The six argument registers, as they were. */
  args: readonly bigint[];
}
export interface ExitRecord extends RecordBase {
  type: 'exit';
  /** The return value: a result, or -errno. */
  ret: bigint;
  /** ns the call took in the kernel (tracing's own cost left out). */
  took: bigint;
}
/** A signal a thread took for delivery: `nr` is the signal. */
export interface SignalRecord extends RecordBase {
  type: 'signal';
  /** The kernel's siginfo: signo, errno, code, then the union's first 32 bytes. */
  info: Buffer;
}
/** The process `pid` ended because of signal `nr`. */
export interface KilledRecord extends RecordBase {
  type: 'killed';
}
export type SyscallRecord = EnterRecord | ExitRecord;
export type TraceRecord = SyscallRecord | SignalRecord | KilledRecord;

const HEAD = 24;
const CAPTURE_HEAD = 4;

/** Decodes one whole record. */
export function decodeRecord(b: Buffer): TraceRecord {
  const type = b.readUInt8(2);
  const ncap = b.readUInt8(3);
  const base = { nr: b.readUInt16LE(4), pid: b.readUInt32LE(8), tid: b.readUInt32LE(12), ns: b.readBigUInt64LE(16) };
  if (type === 3) return { type: 'signal', ...base, captures: new Map(), info: Buffer.from(b.subarray(HEAD)) };
  if (type === 4) return { type: 'killed', ...base, captures: new Map() };
  let at = HEAD;
  const args: bigint[] = [];
  let ret = 0n, took = 0n;
  if (type === 1) {
    for (let i = 0; i < 6; i++, at += 8) args.push(b.readBigUInt64LE(at));
  } else {
    ret = b.readBigInt64LE(at);
    took = b.readBigUInt64LE(at + 8);
    at += 16;
  }
  const captures = new Map<number, Capture>();
  for (let i = 0; i < ncap && at + CAPTURE_HEAD <= b.length; i++) {
    const arg = b.readUInt8(at), flags = b.readUInt8(at + 1), len = b.readUInt16LE(at + 2);
    at += CAPTURE_HEAD;
    captures.set(arg, { bytes: Buffer.from(b.subarray(at, at + len)), truncated: (flags & 1) !== 0, fault: (flags & 2) !== 0 });
    at += len;
  }
  return type === 1 ? { type: 'enter', ...base, args, captures } : { type: 'exit', ...base, ret, took, captures };
}

/** Splits the stream into records. */
export class RecordReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): TraceRecord[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: TraceRecord[] = [];
    while (this.pending.length >= 2) {
      const size = this.pending.readUInt16LE(0);
      if (size < HEAD) throw new Error(`strace: a record of ${size} bytes: the stream is out of step`);
      if (this.pending.length < size) break;
      out.push(decodeRecord(this.pending.subarray(0, size)));
      this.pending = this.pending.subarray(size);
    }
    return out;
  }
}
