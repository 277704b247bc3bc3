// `npm run bench -- volume [--runs N] [--mib N]`: file throughput through a volume (`ukify run -v`,
// virtio-9p) against the guest's ramfs. The volume fixture (`volume bench DIR MIB`) writes MIB MiB
// in 1 MiB writes and fsyncs, then reads the file back with 1 MiB preads, timing both itself (the
// boot is not counted); it runs under ukify with DIR a volume and with DIR the ramfs's /tmp, and
// natively in the same host directory for reference, the three in turn in each round.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, repoRoot } from '../fixtures/index.js';
import { benchFlags } from './lib-args.js';
import { formatTable, median, ratio, type TableRow } from './lib-table.js';
import { firstLine, runTimed } from './lib-timing.js';

interface Sample {
  write: number;
  read: number;
}

interface Place {
  name: string;
  /** Runs the fixture once: its two rates in MiB/s. */
  measure: (mib: number) => Sample;
}

const program = fixturePath('volume', 'glibc-static');
const cli = join(repoRoot, 'dist', 'cli', 'main.js');

export function rates(output: string): Sample | undefined {
  const m = /^write_mib_s=(\d+(?:\.\d+)?) read_mib_s=(\d+(?:\.\d+)?)$/m.exec(output);
  return m?.[1] === undefined || m[2] === undefined ? undefined : { write: Number(m[1]), read: Number(m[2]) };
}

function sample(output: string, what: string): Sample {
  const r = rates(output);
  if (r === undefined) throw new Error(`${what} printed no write_mib_s= read_mib_s= line`);
  return r;
}

/** The guest gets room for the whole file in its ramfs, plus the program and the kernel's own. */
const memory = (mib: number): string => `${mib + 192}M`;

function places(hostDir: string): Place[] {
  const ukify = (extra: string[], dir: string, mib: number): Sample => {
    const args = [cli, 'run', program, '--no-discover', '-m', memory(mib), ...extra, '--', 'bench', dir, String(mib)];
    return sample(runTimed({ command: process.execPath, args, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, what: 'ukify run' }).stdout, 'ukify run');
  };
  return [
    { name: 'ukify, ramfs (/tmp)', measure: (mib) => ukify([], '/tmp', mib) },
    { name: 'ukify, volume (-v)', measure: (mib) => ukify(['-v', `${hostDir}:/vol`], '/vol', mib) },
    { name: 'native, same host dir', measure: (mib) => sample(runTimed({ command: program, args: ['bench', hostDir, String(mib)], what: 'volume bench' }).stdout, 'volume bench') },
  ];
}

export async function run(args: string[]): Promise<void> {
  const opts = benchFlags('volume', args, { runs: 5, mib: 256 });
  if (opts === undefined) return;
  // The fixtures are built by make (quick when up to date), as the test suite's global setup does.
  spawnSync('make', ['-s', '-C', join(repoRoot, 'fixtures')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const hostDir = mkdtempSync(join(tmpdir(), 'ukify-bench-volume-'));
  try {
    const all = places(hostDir);
    const samples = new Map<string, Sample[]>(all.map((p) => [p.name, []]));
    const failed = new Map<string, string>();
    for (let round = 0; round < opts.runs; round++) {
      for (const place of all) {
        if (failed.has(place.name)) continue;
        try {
          samples.get(place.name)?.push(place.measure(opts.mib));
        } catch (error) {
          failed.set(place.name, firstLine(error));
        }
      }
    }
    const medians = (name: string): Sample | undefined => {
      const s = samples.get(name) ?? [];
      return s.length === 0 ? undefined : { write: median(s.map((x) => x.write)), read: median(s.map((x) => x.read)) };
    };
    const ramfs = medians(all[0]?.name ?? '');
    const rows: TableRow[] = all.map((p) => {
      const why = failed.get(p.name);
      const m = medians(p.name);
      if (why !== undefined || m === undefined) return { label: p.name, unavailable: why ?? 'no sample' };
      const s = samples.get(p.name) ?? [];
      const span = (k: keyof Sample): string => `${Math.min(...s.map((x) => x[k])).toFixed(0)}-${Math.max(...s.map((x) => x[k])).toFixed(0)}`;
      return { label: p.name, cells: [m.write.toFixed(0), span('write'), ratio(m.write, ramfs?.write), m.read.toFixed(0), span('read'), ratio(m.read, ramfs?.read)] };
    });
    process.stdout.write(`file throughput, ${opts.mib} MiB in 1 MiB writes + fsync, then 1 MiB preads; medians of ${opts.runs} interleaved rounds (MiB/s, timed inside the program)\n`);
    process.stdout.write(`${formatTable(['where', 'write', 'min-max', 'vs ramfs', 'read', 'min-max', 'vs ramfs'], rows)}\n`);
  } finally {
    rmSync(hostDir, { recursive: true, force: true });
  }
}
