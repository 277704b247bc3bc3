// `npm run bench -- analyze [PROGRAM] [RUNS]`: analysis time of a program with all its libraries,
// cold (fresh cache dir) and warm (cache filled), median of several runs, beside the raw decoding
// throughput of iced-x86 alone over the same code, and the targets of issue 13 for nginx and node
// (met or not). For nginx, the static set's size beside the syscalls nginx makes under strace while
// it serves. Beside each median wall time, the median CPU time of the process (every thread: the
// object pool's workers too) and the machine's load when the runs began: on a shared machine the wall
// time follows the load, the CPU time less so.
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decoder, DecoderOptions, Instruction } from 'iced-x86';
import { analyzeProgram } from '../analyzer/analyze.js';
import { executableRegions } from '../analyzer/elf/index.js';
import { libraryClosure, readObject } from '../analyzer/libraries.js';
import { nginxWorkload, traceNginxServing } from '../harness/strace.js';

const nginx = '/usr/sbin/nginx';

/** Median times to reach, in ms (issue 13). */
const targets: Record<string, { cold: number; warm: number }> = {
  [nginx]: { cold: 1000, warm: 100 },
  '/usr/bin/node': { cold: 5000, warm: 300 },
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

interface Timing {
  wall: number;
  cpu: number;
}

async function timed(f: () => Promise<unknown>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f();
  const c = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 };
}

/** Linear decode of every executable region with one reused Instruction: the decoder's ceiling. */
function rawThroughput(paths: string[]): { bytes: number; ms: number } {
  const regions = paths.flatMap((p) => executableRegions(readObject(p).elf));
  const ins = new Instruction();
  const t0 = performance.now();
  let bytes = 0;
  for (const r of regions) {
    const d = new Decoder(64, r.bytes, DecoderOptions.None);
    d.ip = r.vaddr;
    while (d.canDecode) d.decodeOut(ins);
    d.free();
    bytes += r.bytes.length;
  }
  const ms = performance.now() - t0;
  ins.free();
  return { bytes, ms };
}

export async function run(args: string[]): Promise<void> {
  const program = args[0] ?? nginx;
  const runs = Number(args[1] ?? 5);
  const root = mkdtempSync(join(tmpdir(), 'ukify-bench-analyze-'));
  try {
    const load = loadavg()[0];
    const coldRuns: Timing[] = [];
    for (let i = 0; i < runs; i++) {
      const dir = join(root, `cold-${i}`);
      coldRuns.push(await timed(() => analyzeProgram(program, { cacheDir: dir })));
    }
    const warmDir = join(root, 'warm');
    await analyzeProgram(program, { cacheDir: warmDir });
    const warmRuns: Timing[] = [];
    for (let i = 0; i < runs; i++) warmRuns.push(await timed(() => analyzeProgram(program, { cacheDir: warmDir })));
    const cold = coldRuns.map((t) => t.wall);
    const warm = warmRuns.map((t) => t.wall);
    const cpu = (ts: Timing[]): string => `(CPU ${median(ts.map((t) => t.cpu)).toFixed(0)} ms)`;
    const paths = [program, ...libraryClosure(readObject(program)).objects.map((o) => o.path)];
    const raw = rawThroughput(paths);
    const analysis = await analyzeProgram(program, { cacheDir: warmDir });
    const mb = raw.bytes / 1e6;
    const rows: [string, string, string][] = [
      ['analysis, cold cache (median)', `${median(cold).toFixed(0)} ms`, `${(mb / (median(cold) / 1000)).toFixed(1)} MB/s of code ${cpu(coldRuns)}`],
      ['analysis, warm cache (median)', `${median(warm).toFixed(0)} ms`, `${(median(cold) / median(warm)).toFixed(1)}x faster than cold ${cpu(warmRuns)}`],
      ['iced-x86 raw linear decode', `${raw.ms.toFixed(0)} ms`, `${(mb / (raw.ms / 1000)).toFixed(1)} MB/s`],
    ];
    process.stdout.write(`analyze ${program}: ${paths.length} objects, ${mb.toFixed(2)} MB of code, ${analysis.syscalls.length} syscalls, ${runs} runs each, load average ${load.toFixed(1)} at the start\n`);
    const w = Math.max(...rows.map((r) => r[0].length));
    for (const [a, b, c] of rows) process.stdout.write(`  ${a.padEnd(w)}  ${b.padStart(8)}  ${c}\n`);
    const target = targets[program];
    if (target !== undefined) {
      const verdict = (ms: number, limit: number): string => `${ms.toFixed(0)} ms against ${limit} ms: ${ms <= limit ? 'met' : `NOT met (${(ms / limit).toFixed(1)}x)`}`;
      process.stdout.write(`  target cold: ${verdict(median(cold), target.cold)}\n  target warm: ${verdict(median(warm), target.warm)}\n`);
    }
    if (program === nginx) {
      // Precision: the static set beside what nginx does when it serves (target: below 2x).
      const seen = await traceNginxServing();
      const missed = [...seen].filter((n) => !analysis.syscalls.some((s) => s.nr === n));
      process.stdout.write(`  static set ${analysis.syscalls.length} / traced ${seen.size} = ${(analysis.syscalls.length / seen.size).toFixed(2)}x` +
        `${missed.length > 0 ? `, MISSED ${missed.join(' ')}` : ''}\n  traced: ${nginxWorkload}\n`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
