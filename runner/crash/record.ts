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

export interface Crash {
  pid: number;
  tid: number;
  signal: number;
  /** rip, rsp, rbp, rbx, r12-r15 by name. */
  regs: ReadonlyMap<string, bigint>;
  maps: readonly Mapping[];
  /** The stack from rsp up, as the kernel copied it. */
  stack: { start: bigint; bytes: Buffer };
}

export class CrashCollector {
  private current: { pid: number; tid: number; signal: number; regs: Map<string, bigint>; maps: Mapping[]; stackAt?: bigint; chunks: Buffer[] } | undefined;

  /** A debugcon line: undefined when it is not part of a crash record, else the crash once its last line came (null before). */
  take(line: string): Crash | null | undefined {
    if (!line.startsWith(CRASH_RECORD)) return undefined;
    const [kind, ...rest] = line.slice(CRASH_RECORD.length).split(' ');
    if (kind === 'begin') {
      const f = fields(rest);
      this.current = { pid: Number(f.get('pid')), tid: Number(f.get('tid')), signal: Number(f.get('signal')), regs: new Map(), maps: [], chunks: [] };
      return null;
    }
    const c = this.current;
    if (c === undefined) return null;
    if (kind === 'regs') for (const [k, v] of fields(rest)) c.regs.set(k, BigInt(`0x${v}`));
    else if (kind === 'map' && rest.length >= 5) {
      const [start, end, offset, x] = rest as [string, string, string, string];
      c.maps.push({ start: BigInt(`0x${start}`), end: BigInt(`0x${end}`), offset: BigInt(`0x${offset}`), exec: x === 'x', path: rest.slice(4).join(' ') });
    } else if (kind === 'stack' && rest.length === 2) {
      if (c.stackAt === undefined) c.stackAt = BigInt(`0x${rest[0]}`);
      c.chunks.push(Buffer.from(rest[1] as string, 'hex'));
    } else if (kind === 'end') {
      this.current = undefined;
      return { pid: c.pid, tid: c.tid, signal: c.signal, regs: c.regs, maps: c.maps, stack: { start: c.stackAt ?? 0n, bytes: Buffer.concat(c.chunks) } };
    }
    return null;
  }
}

function fields(words: string[]): Map<string, string> {
  return new Map(words.map((w) => w.split('=') as [string, string]));
}
