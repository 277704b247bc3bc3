// `npm run bench -- syscall [--runs N] [--calls N]`: null-syscall latency. The nullsys fixture times
// N getppid calls and prints ns_per_call; we run it natively, in a Debian Linux guest and under ukify
// (both in the same QEMU machine), and print the medians with ratios against the native run.
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

const program = fixturePath('nullsys', 'glibc-static');

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

async function native(calls: number, runs: number): Promise<Row> {
  return collect('native', runs, async () => {
    const r = runTimed({ command: program, args: [String(calls)], what: 'nullsys' });
    return sampleFrom(r.stdout, r.ms, 'nullsys');
  });
}

async function linuxGuest(calls: number, runs: number): Promise<Row> {
  const where = 'Linux guest';
  const initrd = join(repoRoot, 'build', 'linux-guest', 'nullsys.cpio');
  let vmlinux: string;
  try {
    vmlinux = prepareLinuxGuest().vmlinux;
    makeInitramfs(program, [String(calls)], initrd);
  } catch (error) {
    return { where, unavailable: firstLine(error) };
  }
  return collect(where, runs, async () => {
    const run = await bootLinux({ vmlinux, initrd });
    if (run.status !== 0) throw new Error(`nullsys ended with ${run.status !== undefined ? `status ${run.status}` : `signal ${run.signal}`}`);
    return sampleFrom(run.output, run.wallMs, 'nullsys in the guest');
  });
}

async function ukify(calls: number, runs: number): Promise<Row> {
  return collect('ukify', runs, async () => {
    const r = runTimed({ command: process.execPath, args: [join(repoRoot, 'dist', 'cli', 'main.js'), 'run', program, '--', String(calls)], what: 'ukify run' });
    return sampleFrom(r.stdout, r.ms, 'ukify run');
  });
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
  const rows = [await native(opts.calls, opts.runs), await linuxGuest(opts.calls, opts.runs), await ukify(opts.calls, opts.runs)];
  process.stdout.write(`null syscall: getppid x ${opts.calls}, median of ${opts.runs} runs (wall s: whole run, VM boot included)\n`);
  process.stdout.write(`${formatTable(rows)}\n`);
}
