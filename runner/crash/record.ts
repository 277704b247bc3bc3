// The kernel's crash record (`ukify-crash:` lines, kernel/crash_record.c), gathered line by line.

export const CRASH_RECORD = 'ukify-crash: ';

export interface Mapping {
  start: bigint;
  end: bigint;
  /** File offset of start. */
  offset: bigint;
  exec: boolean;
  path: string;
}

/** Bytes of the address space from start on. */
export interface Memory {
  start: bigint;
  bytes: Buffer;
}

export interface Crash {
  pid: number;
  tid: number;
  signal: number;
  /** Every general register, rip, rflags, cs, ss, fs_base and gs_base, by name. */
  regs: ReadonlyMap<string, bigint>;
  maps: readonly Mapping[];
  /** The stack from rsp up, as the kernel copied it. */
  stack: Memory;
  /** With the kernel's `core`: the auxiliary vector and the writable mappings' touched pages. */
  auxv?: Buffer;
  memory: readonly Memory[];
}

export class CrashCollector {
  private current: { pid: number; tid: number; signal: number; regs: Map<string, bigint>; maps: Mapping[]; dumps: Map<string, Memory[]> } | undefined;

  /** A debugcon line: undefined when it is not part of a crash record, else the crash once its last line came (null before). */
  take(line: string): Crash | null | undefined {
    if (!line.startsWith(CRASH_RECORD)) return undefined;
    const [kind, ...rest] = line.slice(CRASH_RECORD.length).split(' ');
    if (kind === 'begin') {
      const f = fields(rest);
      this.current = { pid: Number(f.get('pid')), tid: Number(f.get('tid')), signal: Number(f.get('signal')), regs: new Map(), maps: [], dumps: new Map() };
      return null;
    }
    const c = this.current;
    if (c === undefined) return null;
    if (kind === 'regs') for (const [k, v] of fields(rest)) c.regs.set(k, BigInt(`0x${v}`));
    else if (kind === 'map' && rest.length >= 5) {
      const [start, end, offset, x] = rest as [string, string, string, string];
      c.maps.push({ start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), offset: BigInt(`0x${offset}`), exec: x === 'x', path: rest.slice(4).join(' ') });
    } else if ((kind === 'stack' || kind === 'auxv' || kind === 'memory') && rest.length === 2) {
      append(c.dumps, kind, BigInt(`0x${rest[0]}`), Buffer.from(rest[1] as string, 'hex'));
    } else if (kind === 'end') {
      this.current = undefined;
      const auxv = c.dumps.get('auxv')?.[0]?.bytes;
      return {
        pid: c.pid, tid: c.tid, signal: c.signal, regs: c.regs, maps: c.maps,
        stack: c.dumps.get('stack')?.[0] ?? { start: 0n, bytes: Buffer.alloc(0) },
        ...(auxv === undefined ? {} : { auxv }), memory: c.dumps.get('memory') ?? [],
      };
    }
    return null;
  }
}

/** Adds a dump line's bytes, joined to the last run when they follow it. */
function append(dumps: Map<string, Memory[]>, kind: string, start: bigint, bytes: Buffer): void {
  const runs = dumps.get(kind) ?? [];
  dumps.set(kind, runs);
  const last = runs[runs.length - 1];
  if (last !== undefined && last.start + BigInt(last.bytes.length) === start) last.bytes = Buffer.concat([last.bytes, bytes]);
  else runs.push({ start, bytes });
}

function fields(words: string[]): Map<string, string> {
  return new Map(words.map((w) => w.split('=') as [string, string]));
}
