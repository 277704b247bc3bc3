// `npm run bench -- boot [RUNS]`: how long `ukify run` takes for a static hello, next to the QEMU floor
// (bench/floor: a PVH kernel that powers off at once, booted with the same QEMU flags).
// Prints medians of RUNS (default 10) wall-clock runs, the kernel's own boot phase times (its
// `verbose` log, TSC-based), image and kernel sizes, and the smallest -m at which hello still runs
// (bisected on the raw QEMU command, below the runner's own minimum check).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { fixturePath } from '../fixtures/index.js';
import { imageFor } from '../packager/build.js';
import { kernelPath } from '../packager/paths.js';
import { chooseAccel, type Accel } from '../runner/accel.js';
import { kernelCommandLine } from '../runner/cmdline.js';
import { kvmUsable, readCpuinfo, readHostTscKhz } from '../runner/host.js';
import { qemuArgs } from '../runner/qemu-args.js';
import { DEBUGCON_FD, runQemu, STDERR_FD } from '../runner/qemu-process.js';
import { QEMU } from '../runner/run.js';
import { buildFloor } from './floor/build.js';

const cli = resolve('dist/cli/main.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Wall time in ms of one command, run to completion; throws when it does not exit as expected. */
function timeOnce(command: string, args: string[], expectStatus: number): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== expectStatus) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}, expected ${expectStatus}: ${String(r.stderr)}`);
  return ms;
}

interface Timed {
  what: string;
  command: string;
  args: string[];
  status: number;
  times: number[];
}

/** Runs the commands in turn, RUNS rounds, so that load from other processes hits all of them alike. */
function timeInterleaved(runs: number, rows: Timed[]): void {
  for (const r of rows) timeOnce(r.command, r.args, r.status); // warm the page cache
  for (let i = 0; i < runs; i++) {
    for (const r of rows) r.times.push(timeOnce(r.command, r.args, r.status));
  }
}

/** Boots an image once on the raw QEMU command; its status, COM1 output and kernel log lines. */
async function bootOnce(image: string, memoryMiB: number, accel: Accel, append: string): Promise<{ status: number; out: string; log: string[] }> {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  const log: string[] = [];
  const args = qemuArgs({ image, memoryMiB, accel, append, stderrFd: STDERR_FD, debugconFd: DEBUGCON_FD });
  const status = await runQemu({ qemu: QEMU, args, onLog: (line) => log.push(line), stdout, stderr: new PassThrough() });
  return { status, out: Buffer.concat(chunks).toString(), log };
}

async function bootsIn(image: string, memoryMiB: number, append: string): Promise<boolean> {
  const { status, out } = await bootOnce(image, memoryMiB, 'tcg', append);
  return status === 0 && out.includes('argc=1');
}

/**
 * The kernel's boot phases (its `verbose` lines `ukify: boot: NAME N us`), each the median of `runs`
 * boots, in the kernel's order. The times include the kernel's own log lines of that phase.
 */
async function bootPhases(image: string, accel: Accel, append: string, runs: number): Promise<string> {
  const phases = new Map<string, number[]>();
  for (let i = 0; i < runs; i++) {
    const { log } = await bootOnce(image, 64, accel, `${append} verbose`.trim());
    for (const line of log) {
      const m = /^ukify: boot: (.*) (\d+) us$/.exec(line);
      if (m?.[1] !== undefined && m[2] !== undefined) phases.set(m[1], [...(phases.get(m[1]) ?? []), Number(m[2])]);
    }
  }
  return [...phases].map(([name, us]) => `${name} ${median(us)} us`).join(', ') || 'none logged';
}

/** The smallest whole MiB in [1, high] that boots, assuming more memory never hurts. */
async function smallestMemory(image: string, append: string, high: number): Promise<number | undefined> {
  if (!(await bootsIn(image, high, append))) return undefined;
  let lo = 1;
  let hi = high;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await bootsIn(image, mid, append)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export async function run(args: string[]): Promise<void> {
  const runs = Number(args[0] ?? 10);
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`boot: RUNS must be a positive whole number, not '${args[0] ?? ''}'`);
  const cpuinfo = readCpuinfo();
  const accel = chooseAccel('auto', cpuinfo, kvmUsable());
  const tscKhz = readHostTscKhz(cpuinfo);
  const append = kernelCommandLine({ ...(tscKhz === undefined ? {} : { tscKhz }), env: [], verbose: false });
  const work = mkdtempSync(join(tmpdir(), 'ukify-bench-boot-'));
  try {
    const floor = buildFloor('floor');
    const program = fixturePath('hello', 'glibc-static');
    const image = join(work, 'hello.img');
    writeFileSync(image, (await imageFor({ program, env: [], args: [] })).image);
    const muslImage = join(work, 'hello-musl.img');
    writeFileSync(muslImage, (await imageFor({ program: fixturePath('hello', 'musl-static'), env: [], args: [] })).image);
    const qemu = (kernel: string): string[] =>
      qemuArgs({ image: kernel, memoryMiB: 64, accel, append, stderrFd: STDERR_FD, debugconFd: DEBUGCON_FD });

    // The floor powers off without an exit record: QEMU exits 1 ((0 << 1) | 1), as after hello's record.
    const floorRow: Timed = { what: 'QEMU floor (raw qemu, floor kernel)', command: QEMU, args: qemu(floor), status: 1, times: [] };
    const glibcRow: Timed = { what: 'raw qemu, hello.glibc-static image', command: QEMU, args: qemu(image), status: 1, times: [] };
    const muslRow: Timed = { what: 'raw qemu, hello.musl-static image', command: QEMU, args: qemu(muslImage), status: 1, times: [] };
    const runRow: Timed = { what: 'ukify run hello.img (glibc)', command: process.execPath, args: [cli, 'run', image], status: 0, times: [] };
    const nodeRow: Timed = { what: 'node startup (node -e 0)', command: process.execPath, args: ['-e', '0'], status: 0, times: [] };
    const rows: Timed[] = [
      floorRow,
      glibcRow,
      muslRow,
      runRow,
      { what: 'ukify run hello (temporary image)', command: process.execPath, args: [cli, 'run', program], status: 0, times: [] },
      nodeRow,
    ];
    timeInterleaved(runs, rows);
    // Differences are medians of per-round differences, which cancel load shared by a round.
    const over = (r: Timed, base: Timed): number => median(r.times.map((t, i) => t - (base.times[i] ?? 0)));
    process.stdout.write(`boot: static hello (${program}), accel ${accel}, -m 64M, ${runs} interleaved rounds\n`);
    process.stdout.write(`${'what'.padEnd(40)} ${'median ms'.padStart(10)} ${'min ms'.padStart(8)} ${'over floor'.padStart(11)}\n`);
    for (const r of rows) {
      process.stdout.write(
        `${r.what.padEnd(40)} ${median(r.times).toFixed(1).padStart(10)} ${Math.min(...r.times).toFixed(1).padStart(8)} ${over(r, floorRow).toFixed(1).padStart(11)}\n`,
      );
    }
    const floorMs = median(floorRow.times);
    for (const r of [glibcRow, muslRow]) {
      const ms = over(r, floorRow);
      process.stdout.write(`target: ${r.what} < floor + 10 ms: ${ms < 10 ? 'met' : 'NOT met'} (${ms.toFixed(1)} ms; floor ${floorMs.toFixed(1)} ms)\n`);
    }
    process.stdout.write(
      `ukify run's own cost (ukify run hello.img - raw qemu hello image): ${over(runRow, glibcRow).toFixed(1)} ms, of which node startup ${median(nodeRow.times).toFixed(1)} ms\n`,
    );
    const phaseRuns = 5;
    process.stdout.write(`kernel boot phases (hello.glibc-static, medians of ${phaseRuns} verbose boots): ${await bootPhases(image, accel, append, phaseRuns)}\n`);

    const kernelBytes = statSync(kernelPath()).size;
    process.stdout.write(`image size: ${statSync(image).size} bytes; program ${statSync(program).size} bytes\n`);
    process.stdout.write(`kernel size: ${kernelBytes} bytes (target <= 300 KB: ${kernelBytes <= 300 * 1024 ? 'met' : 'NOT met'})\n`);
    for (const [name, file] of [['hello.glibc-static', image], ['hello.musl-static', muslImage]] as const) {
      const smallest = await smallestMemory(file, append, 64);
      const shown = smallest === undefined ? 'does not boot in 64 MiB' : `${smallest} MiB`;
      process.stdout.write(`smallest -m for ${name}: ${shown} (target 8 MiB: ${smallest !== undefined && smallest <= 8 ? 'met' : 'NOT met'})\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
