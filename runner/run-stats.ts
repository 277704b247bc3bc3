// `ukify run --stats`: the kernel's `ukify-stats:` record (kernel/run_stats.c) made into a short
// block for stderr, with the wall time the runner measured around QEMU.

export const STATS_RECORD = 'ukify-stats: ';

export type RunStats = Record<'uptime_ns' | 'user_ns' | 'idle_ns' | 'syscalls' | 'page_faults' | 'peak_kib' | 'console_in' | 'console_out' | 'net_in' | 'net_out' | 'procs' | 'threads' | 'mem_kib', number>;

const fields = ['uptime_ns', 'user_ns', 'idle_ns', 'syscalls', 'page_faults', 'peak_kib', 'console_in', 'console_out', 'net_in', 'net_out', 'procs', 'threads', 'mem_kib'] as const;

/** The record's numbers; undefined when the line is not a whole record. */
export function parseStatsRecord(line: string): RunStats | undefined {
  if (!line.startsWith(STATS_RECORD)) return undefined;
  const values = new Map(line.slice(STATS_RECORD.length).trim().split(' ').map((w) => w.split('=') as [string, string]));
  const out: Partial<RunStats> = {};
  for (const f of fields) {
    const v = Number(values.get(f));
    if (!Number.isFinite(v)) return undefined;
    out[f] = v;
  }
  return out as RunStats;
}

const seconds = (ns: number): string => `${(ns / 1e9).toFixed(3)} s`;
const count = (n: number): string => n.toLocaleString('en-US');
function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The block `ukify run --stats` prints when the VM has stopped. */
export function formatStats(s: RunStats, wallMs: number): string {
  const kernel = Math.max(0, s.uptime_ns - s.user_ns - s.idle_ns);
  return [
    `ukify: stats: ${(wallMs / 1000).toFixed(3)} s in all, ${seconds(s.uptime_ns)} from boot to power-off: the program ${seconds(s.user_ns)}, the kernel ${seconds(kernel)}, idle ${seconds(s.idle_ns)}`,
    `ukify: stats: ${count(s.syscalls)} syscalls, ${count(s.page_faults)} page faults, at most ${bytes(s.peak_kib * 1024)} of memory in use`,
    `ukify: stats: console ${bytes(s.console_in)} in, ${bytes(s.console_out)} out; network ${bytes(s.net_in)} in, ${bytes(s.net_out)} out`,
    `ukify: stats: ${count(s.procs)} ${s.procs === 1 ? 'process' : 'processes'} and ${count(s.threads)} ${s.threads === 1 ? 'thread' : 'threads'} created`,
    `ukify: stats: ${bytes(s.mem_kib * 1024)} of memory still in use at power-off (the kernel's and the files')`,
    '',
  ].join('\n');
}
