// `--syscall-summary`: strace -c's table at exit (time, seconds, usecs/call, calls, errors, syscall),
// sorted by time; a syscall the kernel does not fully implement has its catalog status beside its name.
import type { SyscallSpec } from '../../syscall-shim/trace-spec.js';
import type { TraceRecord } from './records.js';

interface Row {
  name: string;
  calls: number;
  errors: number;
  ns: bigint;
}

export class SyscallSummary {
  private readonly rows = new Map<string, Row>();

  constructor(
    private readonly specs: ReadonlyMap<number, SyscallSpec>,
    private readonly only?: ReadonlySet<string>,
  ) {}

  private label(nr: number): string {
    const spec = this.specs.get(nr);
    if (spec === undefined) return `syscall_0x${nr.toString(16)}`;
    return spec.status === 'full' || spec.status === 'partial' ? spec.name : `${spec.name} [${spec.status}]`;
  }

  push(records: readonly TraceRecord[]): void {
    for (const r of records) {
      if (r.type !== 'enter' && r.type !== 'exit') continue;
      const name = this.specs.get(r.nr)?.name ?? '';
      if (this.only !== undefined && !this.only.has(name)) continue;
      const label = this.label(r.nr);
      const row = this.rows.get(label) ?? { name: label, calls: 0, errors: 0, ns: 0n };
      this.rows.set(label, row);
      if (r.type === 'enter') {
        row.calls++;
      } else {
        row.ns += r.took;
        if (r.ret < 0n && r.ret >= -4095n) row.errors++;
      }
    }
  }

  /** The calls counted per syscall name (for --stats and the tests). */
  counts(): Map<string, number> {
    return new Map([...this.rows.values()].map((r) => [r.name, r.calls]));
  }

  table(): string {
    const rows = [...this.rows.values()].sort((a, b) => (b.ns === a.ns ? b.calls - a.calls : b.ns > a.ns ? 1 : -1));
    const total = rows.reduce((t, r) => ({ calls: t.calls + r.calls, errors: t.errors + r.errors, ns: t.ns + r.ns }), { calls: 0, errors: 0, ns: 0n });
    const line = '------ ----------- ----------- --------- --------- ----------------';
    const fmt = (pct: string, r: { calls: number; errors: number; ns: bigint }, name: string): string =>
      `${pct.padStart(6)} ${secs(r.ns).padStart(11)} ${String(r.calls === 0 ? 0 : Number(r.ns / 1000n) / r.calls | 0).padStart(11)} ${String(r.calls).padStart(9)} ${(r.errors === 0 ? '' : String(r.errors)).padStart(9)} ${name}`;
    const pct = (ns: bigint): string => (total.ns === 0n ? '0.00' : ((Number(ns) * 100) / Number(total.ns)).toFixed(2));
    return [
      '% time     seconds  usecs/call     calls    errors syscall',
      line,
      ...rows.map((r) => fmt(pct(r.ns), r, r.name)),
      line,
      fmt('100.00', total, 'total'),
      '',
    ].join('\n');
  }
}

function secs(ns: bigint): string {
  const us = ns / 1000n;
  return `${us / 1_000_000n}.${String(us % 1_000_000n).padStart(6, '0')}`;
}
