// `npm run bench -- proc [--runs N] [--fork N] [--vfork-exec N] [--sh N] [--memory MIB]`: the cost of
// making processes. The procbench fixture times N operations of one kind and prints ns_per_op:
//   fork+wait    fork(), the child _exit(0)s, the parent waitpid()s                (--fork, default 1000)
//   vfork+exec   vfork() + execve() of a static program that exits at once          (--vfork-exec, default 400)
//                (procbench itself without arguments: no output to skew the console-bound guests)
//   sh -c true   posix_spawn() of busybox's sh running `true` (a builtin)           (--sh, default 250)
// each run under `ukify run`, in Debian's Linux booted in the same QEMU machine (bench/linux-guest/),
// and natively. busybox (the host's /bin/busybox, static) is the shell everywhere: natively run as
// itself with argv[0] "sh", in the guests placed at /bin/sh. The defaults give each run about a second
// of work in the Linux guest under TCG (there fork+wait ~1 ms, vfork+exec ~2.4 ms, sh -c true ~4 ms),
// beside its boot of about 2 s; natively about 0.14, 0.4 and 0.55 ms.
// Every measurement is one process or VM; the --runs rounds (default 5) take every operation in every
// place in turn, so the medians and the ratios come from the same stretch of a noisy machine. A place
// that fails (today ukify's fork returns ENOSYS) is not tried again and its reason is printed. The
// target: fork+wait under ukify costs at most 0.5x what it costs in the Linux guest.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fixturesDir, repoRoot } from '../fixtures/index.js';
import { guestPath } from '../packager/app.js';
import { benchFlags } from './lib-args.js';
import { bootLinux, makeInitramfs, prepareLinuxGuest, type GuestFile } from './lib-linux-guest.js';
import { formatTable, median, ratio, type TableRow } from './lib-table.js';
import { firstLine, runTimed } from './lib-timing.js';

const program = join(fixturesDir, 'procbench.glibc-static');
const busybox = '/bin/busybox';
const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const timeoutMs = 180_000;
const target = 0.5;

type OpName = 'fork' | 'vfork-exec' | 'sh';

const ops: readonly { name: OpName; label: string }[] = [
  { name: 'fork', label: 'fork+wait' },
  { name: 'vfork-exec', label: 'vfork+exec static' },
  { name: 'sh', label: 'sh -c true (busybox)' },
];

type Options = Record<OpName, number> & { runs: number; memory: number };

/** Where procbench finds itself (vfork-exec's program) and the shell, in one place to run it. */
interface Paths {
  self: string;
  shell: string;
}

function procbenchArgs(op: OpName, count: number, paths: Paths): string[] {
  const extra = op === 'fork' ? [] : [op === 'vfork-exec' ? paths.self : paths.shell];
  return [op, String(count), ...extra];
}

export function nsPerOp(output: string): number | undefined {
  const m = /^ns_per_op=(\d+(?:\.\d+)?)$/m.exec(output);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function measured(output: string, what: string): number {
  const ns = nsPerOp(output);
  if (ns === undefined) throw new Error(`${what} printed no ns_per_op`);
  return ns;
}

/** One place to run procbench: prepared once per operation, then run once per round (ns per op). */
interface Place {
  name: 'ukify' | 'Linux guest' | 'native';
  /** Throws when the place cannot run the operation at all. */
  prepare(op: OpName): void;
  once(op: OpName): Promise<number>;
}

function places(o: Options): Place[] {
  const guestShell: GuestFile = { file: busybox, guest: '/bin/sh' };
  const initrd = (op: OpName): string => join(repoRoot, 'build', 'linux-guest', `procbench-${op}.cpio`);
  let vmlinux = '';
  return [
    {
      name: 'ukify',
      prepare: () => undefined,
      once: async (op) => {
        const args = procbenchArgs(op, o[op], { self: guestPath(program), shell: '/bin/sh' });
        const files = op === 'sh' ? ['--file', `${guestShell.file}:${guestShell.guest}`] : [];
        const r = runTimed({ command: process.execPath, args: [cli, 'run', '-m', `${o.memory}M`, program, ...files, '--', ...args], timeoutMs, what: 'ukify run' });
        return measured(r.stdout, 'ukify run');
      },
    },
    {
      name: 'Linux guest',
      prepare: (op) => {
        if (vmlinux === '') vmlinux = prepareLinuxGuest().vmlinux;
        makeInitramfs(program, procbenchArgs(op, o[op], { self: '/prog', shell: '/bin/sh' }), initrd(op), op === 'sh' ? [guestShell] : []);
      },
      once: async (op) => {
        const run = await bootLinux({ vmlinux, initrd: initrd(op), memoryMiB: o.memory, timeoutMs });
        if (run.status !== 0) {
          const how = run.status !== undefined ? `status ${run.status}` : `signal ${run.signal ?? '?'}`;
          throw new Error(`procbench in the guest ended with ${how}: ${run.output.trim().split('\n').at(-1) ?? ''}`);
        }
        return measured(run.output, 'procbench in the guest');
      },
    },
    {
      name: 'native',
      prepare: () => undefined,
      once: async (op) => {
        const r = runTimed({ command: program, args: procbenchArgs(op, o[op], { self: program, shell: busybox }), timeoutMs, what: 'procbench' });
        return measured(r.stdout, 'procbench');
      },
    },
  ];
}

/** The samples of one operation in one place (ns per op), or why it could not be measured. */
type Cell = { samples: number[] } | { failed: string };

export type Results = Record<OpName, Partial<Record<Place['name'], Cell>>>;

async function measure(o: Options): Promise<Results> {
  const results: Results = { fork: {}, 'vfork-exec': {}, sh: {} };
  const all = places(o);
  for (const { name: op } of ops) {
    for (const place of all) {
      try {
        place.prepare(op);
        results[op][place.name] = { samples: [] };
      } catch (error) {
        results[op][place.name] = { failed: firstLine(error) };
      }
    }
  }
  for (let round = 0; round < o.runs; round++) {
    for (const { name: op } of ops) {
      for (const place of all) {
        const cell = results[op][place.name];
        if (cell === undefined || 'failed' in cell) continue;
        try {
          cell.samples.push(await place.once(op));
        } catch (error) {
          results[op][place.name] = { failed: firstLine(error) };
        }
      }
    }
  }
  return results;
}

function medianOf(cell: Cell | undefined): number | undefined {
  return cell !== undefined && 'samples' in cell && cell.samples.length > 0 ? median(cell.samples) : undefined;
}

/** The table (µs per operation and the ratios), the reasons for what could not be measured, and the target's verdict. */
export function report(results: Results): string {
  const rows: TableRow[] = ops.map(({ name, label }) => {
    const [uk, linux, native] = (['ukify', 'Linux guest', 'native'] as const).map((p) => medianOf(results[name][p]));
    const us = (ns: number | undefined): string => (ns === undefined ? 'n/a' : (ns / 1000).toFixed(1));
    return { label, cells: [us(uk), us(linux), us(native), ratio(uk, linux), ratio(uk, native)] };
  });
  const reasons = ops.flatMap(({ name, label }) =>
    Object.entries(results[name]).flatMap(([place, cell]) => ('failed' in cell ? [`${label}, ${place}: not available (${cell.failed})`] : [])),
  );
  const fork = results.fork;
  const uk = medianOf(fork.ukify);
  const linux = medianOf(fork['Linux guest']);
  const verdict =
    uk === undefined || linux === undefined
      ? `not measured (${uk === undefined ? 'ukify' : 'the Linux guest'} has no figure)`
      : `${uk / linux <= target ? 'met' : 'not met'} (${(uk / linux).toFixed(2)}x)`;
  return [
    formatTable(['operation (µs/op)', 'ukify', 'Linux guest', 'native', 'ukify/Linux', 'ukify/native'], rows),
    ...reasons,
    `target: fork+wait under ukify at most ${target}x the Linux guest's: ${verdict}`,
  ].join('\n');
}

export async function run(args: string[]): Promise<void> {
  const o: Options | undefined = benchFlags('proc', args, { runs: 5, fork: 1000, 'vfork-exec': 400, sh: 250, memory: 128 });
  if (o === undefined) return;
  // The fixtures are built by make (quick when up to date), as the test suite's global setup does.
  spawnSync('make', ['-s', '-C', join(repoRoot, 'fixtures')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const results = await measure(o);
  process.stdout.write(
    `process creation: medians of ${o.runs} runs of fork+wait x ${o.fork}, vfork+exec x ${o['vfork-exec']}, sh -c true x ${o.sh}; -m ${o.memory} MiB for the VMs\n`,
  );
  process.stdout.write(`${report(results)}\n`);
}
