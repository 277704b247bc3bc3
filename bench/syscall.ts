// `npm run bench -- syscall [--runs N] [--calls N]`: syscall latency, two tables.
// - null syscall: the nullsys fixture times N getppid calls; run natively, in a Debian Linux guest and
//   under ukify (both in the same QEMU machine).
// - clock_gettime(CLOCK_MONOTONIC): the clockcall fixture times N calls through the libc (natively, in
//   the Linux guest and under ukify, where the libc goes through the vDSO) and, under ukify, as raw
//   syscalls (the trap path the vDSO avoids).
// Each table prints the medians with ratios against the native run; every row is measured in the same run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fixturePath, repoRoot } from '../fixtures/index.js';
import { numberFlags } from './lib-args.js';
import { bootLinux, makeInitramfs, prepareLinuxGuest } from './lib-linux-guest.js';
import { median } from './lib-table.js';
import { firstLine, runTimed } from './lib-timing.js';

export interface Sample {
  nsPerCall: number;
  wallMs: number;
}

export type Row = { where: string; samples: Sample[] } | { where: string; unavailable: string };

/** A program run the same way everywhere: the fixture, its arguments, and a name for the initramfs. */
interface Workload {
  name: string;
  program: string;
  args: string[];
}

const nullsys = (calls: number): Workload => ({ name: 'nullsys', program: fixturePath('nullsys', 'glibc-static'), args: [String(calls)] });
const clockcall = (calls: number, how: 'vdso' | 'syscall'): Workload => ({
  name: `clockcall-${how}`,
  program: fixturePath('clockcall', 'glibc-static'),
  args: [String(calls), how],
});

export function nsPerCall(output: string): number | undefined {
  const m = /^ns_per_call=(\d+(?:\.\d+)?)$/m.exec(output);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Runs `measure` `runs` times; the first failure becomes the row's "not available" reason. */
async function collect(where: string, runs: number, measure: () => Promise<Sample>): Promise<Row> {
  const samples: Sample[] = [];
  try {
    for (let i = 0; i < runs; i++) samples.push(await measure());
  } catch (error) {
    return { where, unavailable: firstLine(error) };
  }
  return { where, samples };
}

function sampleFrom(output: string, wallMs: number, what: string): Sample {
  const ns = nsPerCall(output);
  if (ns === undefined) throw new Error(`${what} printed no ns_per_call`);
  return { nsPerCall: ns, wallMs };
}

async function native(where: string, w: Workload, runs: number): Promise<Row> {
  return collect(where, runs, async () => {
    const r = runTimed({ command: w.program, args: w.args, what: w.name });
    return sampleFrom(r.stdout, r.ms, w.name);
  });
}

async function linuxGuest(where: string, w: Workload, runs: number): Promise<Row> {
  const initrd = join(repoRoot, 'build', 'linux-guest', `${w.name}.cpio`);
  let vmlinux: string;
  try {
    vmlinux = prepareLinuxGuest().vmlinux;
    makeInitramfs(w.program, w.args, initrd);
  } catch (error) {
    return { where, unavailable: firstLine(error) };
  }
  return collect(where, runs, async () => {
    const run = await bootLinux({ vmlinux, initrd });
    if (run.status !== 0) throw new Error(`${w.name} ended with ${run.status !== undefined ? `status ${run.status}` : `signal ${run.signal}`}`);
    return sampleFrom(run.output, run.wallMs, `${w.name} in the guest`);
  });
}

async function ukify(where: string, w: Workload, runs: number): Promise<Row> {
  return collect(where, runs, async () => {
    const r = runTimed({ command: process.execPath, args: [join(repoRoot, 'dist', 'cli', 'main.js'), 'run', w.program, '--', ...w.args], what: 'ukify run' });
    return sampleFrom(r.stdout, r.ms, 'ukify run');
  });
}

function rowMedian(row: Row | undefined): number | undefined {
  return row !== undefined && 'samples' in row ? median(row.samples.map((s) => s.nsPerCall)) : undefined;
}

/** One table line per row: the measured cells, or the reason the row could not be measured. */
export function formatTable(rows: readonly Row[]): string {
  const base = rows.find((r) => r.where === 'native');
  const baseNs = base !== undefined && 'samples' in base ? median(base.samples.map((s) => s.nsPerCall)) : undefined;
  const header = ['where', 'ns/call', 'min-max', 'vs native', 'wall s'];
  const body = rows.map((r): string[] | string => {
    if ('unavailable' in r) return `not available (${r.unavailable})`;
    const ns = r.samples.map((s) => s.nsPerCall);
    const mid = median(ns);
    return [
      mid.toFixed(1),
      `${Math.min(...ns).toFixed(1)}-${Math.max(...ns).toFixed(1)}`,
      baseNs !== undefined ? `${(mid / baseNs).toFixed(2)}x` : '-',
      (median(r.samples.map((s) => s.wallMs)) / 1000).toFixed(2),
    ];
  });
  const whereWidth = Math.max(header[0]?.length ?? 0, ...rows.map((r) => r.where.length));
  const widths = header.slice(1).map((h, i) => Math.max(h.length, ...body.map((b) => (typeof b === 'string' ? 0 : (b[i]?.length ?? 0)))));
  const cells = (c: string[]): string => c.map((x, i) => x.padStart(widths[i] ?? 0)).join('  ');
  return [
    `${(header[0] ?? '').padEnd(whereWidth)}  ${cells(header.slice(1))}`,
    ...rows.map((r, i) => {
      const b = body[i] ?? '';
      return `${r.where.padEnd(whereWidth)}  ${typeof b === 'string' ? b : cells(b)}`;
    }),
  ].join('\n');
}

export async function run(args: string[]): Promise<void> {
  let opts: { runs: number; calls: number };
  try {
    opts = numberFlags(args, { runs: 5, calls: 1_000_000 });
  } catch (error) {
    process.stderr.write(`bench syscall: ${firstLine(error)}\n`);
    process.exitCode = 2;
    return;
  }
  // The fixtures are built by make (quick when up to date), as the test suite's global setup does.
  spawnSync('make', ['-s', '-C', join(repoRoot, 'fixtures')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const getppid = nullsys(opts.calls);
  const rows = [await native('native', getppid, opts.runs), await linuxGuest('Linux guest', getppid, opts.runs), await ukify('ukify', getppid, opts.runs)];
  process.stdout.write(`null syscall: getppid x ${opts.calls}, median of ${opts.runs} runs (wall s: whole run, VM boot included)\n`);
  process.stdout.write(`${formatTable(rows)}\n`);

  const libc = clockcall(opts.calls, 'vdso');
  const clockRows = [
    await native('native', libc, opts.runs),
    await linuxGuest('Linux guest', libc, opts.runs),
    await ukify('ukify vDSO', libc, opts.runs),
    await ukify('ukify trap', clockcall(opts.calls, 'syscall'), opts.runs),
  ];
  process.stdout.write(`\nclock_gettime(CLOCK_MONOTONIC) x ${opts.calls}, median of ${opts.runs} runs (the libc's call, through each kernel's vDSO; ukify trap: syscall(SYS_clock_gettime))\n`);
  process.stdout.write(`${formatTable(clockRows)}\n`);
  const vdso = rowMedian(clockRows[2]), trap = rowMedian(clockRows[3]);
  if (vdso !== undefined && trap !== undefined) process.stdout.write(`ukify vDSO / ukify trap: ${(vdso / trap).toFixed(3)}x (target: 0.2x or less)\n`);
}
