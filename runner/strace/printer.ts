// Trace records into strace's lines (strace -f's format): `name(args) = result`, the errno's name
// and text on failure, `--- SIGNAL {siginfo} ---` and `+++ killed by SIGNAL +++`, `<unfinished ...>` and `<... name resumed>` when another thread's call comes
// between a call's entry and its return, `[pid N] ` once there is more than one thread, `-tt`
// timestamps and `-T` durations on request.
import type { SyscallSpec } from '../../syscall-shim/trace-spec.js';
import { formatArg } from './args.js';
import { errnoText, signalName } from './constants.js';
import type { Capture, EnterRecord, ExitRecord, KilledRecord, SignalRecord, TraceRecord } from './records.js';
import { formatSiginfo } from './siginfo.js';

export interface PrintOptions {
  /** Only these syscalls (names); all when undefined. */
  only?: ReadonlySet<string>;
  /** Each line starts with the wall-clock time, to the microsecond (strace -tt). */
  timestamps?: boolean;
  /** Each finished call ends with the time it took (strace -T). */
  durations?: boolean;
}

/** Results strace shows in hex. */
const hexResults = new Set(['mmap', 'mremap', 'brk', 'shmat']);
const noReturn = new Set(['exit', 'exit_group']);

export class StracePrinter {
  private readonly pending = new Map<number, EnterRecord>(); // by tid: entered, not returned
  private lastTid: number | undefined; // whose entry was the last line printed, unfinished
  private readonly live = new Set<number>();

  constructor(
    private readonly specs: ReadonlyMap<number, SyscallSpec>,
    private readonly options: PrintOptions,
    private readonly write: (line: string) => void,
  ) {}

  push(records: readonly TraceRecord[]): void {
    for (const r of records) {
      if (r.type === 'enter') this.enter(r);
      else if (r.type === 'exit') this.exit(r);
      else if (r.type === 'signal') this.signal(r);
      else this.killed(r);
    }
  }

  /** The VM stopped: calls still in progress are shown unfinished. */
  end(): void {
    this.closeOpenLine();
    for (const e of this.pending.values()) if (this.shown(e.nr)) this.write(`${this.prefix(e.tid, e.ns)}${this.name(e.nr)}(${this.args(e, undefined, 'entry')} <unfinished ...>) = ?`);
    this.pending.clear();
  }

  private shown(nr: number): boolean {
    return this.options.only === undefined || this.options.only.has(this.name(nr));
  }

  private name(nr: number): string {
    return this.specs.get(nr)?.name ?? `syscall_0x${nr.toString(16)}`;
  }

  private prefix(tid: number, ns: bigint): string {
    const pid = this.live.size > 1 ? `[pid ${String(tid).padStart(5)}] ` : '';
    return `${pid}${this.options.timestamps === true ? `${clock(ns)} ` : ''}`;
  }

  /** An unfinished entry printed last gets its `<unfinished ...>` before anything else is printed. */
  private closeOpenLine(): void {
    if (this.lastTid === undefined) return;
    const e = this.pending.get(this.lastTid);
    this.lastTid = undefined;
    if (e !== undefined) this.write(`${this.prefix(e.tid, e.ns)}${this.name(e.nr)}(${this.args(e, undefined, 'entry')} <unfinished ...>`);
  }

  private enter(e: EnterRecord): void {
    this.live.add(e.tid);
    this.closeOpenLine();
    const name = this.name(e.nr);
    if (noReturn.has(name)) {
      if (this.shown(e.nr)) this.write(`${this.prefix(e.tid, e.ns)}${column(`${name}(${this.args(e, undefined, 'all')})`)} = ?`);
      if (name === 'exit_group' || this.live.size === 1) this.write(`${this.prefix(e.tid, e.ns)}+++ exited with ${Number(BigInt.asIntN(32, e.args[0] ?? 0n)) & 0xff} +++`);
      this.live.delete(e.tid);
      return;
    }
    this.pending.set(e.tid, e);
    if (this.shown(e.nr)) this.lastTid = e.tid;
  }

  /** strace prints signals whatever -e trace= selects. */
  private signal(r: SignalRecord): void {
    this.live.add(r.tid);
    this.closeOpenLine();
    this.write(`${this.prefix(r.tid, r.ns)}--- ${signalName(r.nr)} ${formatSiginfo(r.info)} ---`);
  }

  private killed(r: KilledRecord): void {
    this.closeOpenLine();
    this.write(`${this.prefix(r.tid, r.ns)}+++ killed by ${signalName(r.nr)} +++`);
    this.live.delete(r.tid);
  }

  private exit(x: ExitRecord): void {
    const e = this.pending.get(x.tid);
    this.pending.delete(x.tid);
    const show = this.shown(x.nr);
    if (this.lastTid === x.tid && e !== undefined) {
      this.lastTid = undefined;
      if (show) this.write(`${this.prefix(x.tid, e.ns)}${column(`${this.name(x.nr)}(${this.args(e, x, 'all')})`)} = ${this.result(x)}`);
      return;
    }
    this.closeOpenLine();
    if (!show) return;
    const rest = e === undefined ? '' : this.args(e, x, 'exit');
    this.write(`${this.prefix(x.tid, x.ns)}${column(`<... ${this.name(x.nr)} resumed>${rest})`)} = ${this.result(x)}`);
  }

  /** The arguments: all of them, those strace shows at entry (up to the first it shows at return), or the rest. */
  private args(e: EnterRecord, x: ExitRecord | undefined, which: 'all' | 'entry' | 'exit'): string {
    const spec = this.specs.get(e.nr);
    if (spec?.types === undefined || spec.kinds === undefined || spec.copied === undefined) return e.args.map((a) => `0x${a.toString(16)}`).join(', ');
    const { kinds, copied } = spec;
    const firstExit = copied.indexOf('exit');
    const split = firstExit < 0 ? kinds.length : firstExit;
    const from = which === 'exit' ? split : 0;
    const to = which === 'entry' ? split : kinds.length;
    const shown: string[] = [];
    for (let i = from; i < to; i++) {
      const capture: Capture | undefined = e.captures.get(i) ?? x?.captures.get(i);
      shown.push(formatArg({ kind: kinds[i] as string, copied: copied[i] !== undefined, type: spec.types[i] ?? 'u64', value: e.args[i] ?? 0n, args: e.args, ...(capture === undefined ? {} : { capture }), ...(x === undefined ? {} : { ret: x.ret }) }));
    }
    const text = shown.join(', ');
    return which === 'entry' && split < kinds.length ? `${text}, ` : text;
  }

  private result(x: ExitRecord): string {
    const took = this.options.durations === true ? ` <${seconds(x.took)}>` : '';
    if (x.ret <= -512n && x.ret >= -516n) return `? ${errnoText(Number(-x.ret))}${took}`;
    if (x.ret < 0n && x.ret >= -4095n) return `-1 ${errnoText(Number(-x.ret))}${took}`;
    return `${hexResults.has(this.name(x.nr)) ? `0x${BigInt.asUintN(64, x.ret).toString(16)}` : x.ret.toString()}${took}`;
  }
}

/** The call padded so that its ` = ` starts at column 40, as strace aligns results. */
function column(call: string): string {
  return call.padEnd(39);
}

/** HH:MM:SS.uuuuuu of a CLOCK_REALTIME instant, in the host's time zone (strace -tt). */
export function clock(ns: bigint): string {
  const d = new Date(Number(ns / 1_000_000n));
  const two = (v: number): string => String(v).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String((ns / 1000n) % 1_000_000n).padStart(6, '0')}`;
}

/** ns as strace -T's seconds, to the microsecond. */
export function seconds(ns: bigint): string {
  const us = ns < 0n ? 0n : ns / 1000n;
  return `${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, '0')}`;
}
