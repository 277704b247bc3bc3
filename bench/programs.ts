// `npm run bench -- programs [--runs N] [--builds N] [--memory MIB]`: real programs under ukify.
// 1. Image size and build time of python3 with its standard library and of nginx with a minimal
//    config: `ukify build` (no analysis), and `ukify PROGRAM` (analysis + build) with a cold and a
//    warm analysis cache; medians of --builds runs (default 3).
// 2. Boot-to-exit wall time of `python3 -c pass`, medians of --runs interleaved rounds (default 5):
//    natively, natively chrooted into the Linux guest's file tree, under `ukify run`, as the raw QEMU
//    command on the same image, and in Debian's Linux in the same QEMU machine and memory (-m).
//    The guests and the chroot hold the same files and give the program an empty environment, so
//    Python's startup does the same work in each (the host's site-packages, whose .pth files import
//    more modules, are only seen by the plain native run).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../fixtures/index.js';
import { chooseAccel } from '../runner/accel.js';
import { kernelCommandLine } from '../runner/cmdline.js';
import { kvmUsable, readCpuinfo, readHostTscKhz } from '../runner/host.js';
import { qemuArgs } from '../runner/qemu-args.js';
import { DEBUGCON_FD, STDERR_FD } from '../runner/qemu-process.js';
import { QEMU } from '../runner/run.js';
import { bootLinux, makeInitramfs, prepareLinuxGuest } from './lib-linux-guest.js';
import { formatTable, mebibytes, ratio, type TableRow } from './lib-table.js';
import { firstLine, timeCommand, type TimedCommand } from './lib-timing.js';
import { median } from './lib-table.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const python = '/usr/bin/python3';
const pythonLib = '/usr/lib/python3.11';
const nginx = '/usr/sbin/nginx';
const chroot = '/usr/sbin/chroot';
const pythonArgs = ['-c', 'pass'];

// Enough to configure; nothing listens (`nginx -t` is what it would run).
const nginxConf = `daemon off;
master_process off;
error_log stderr;
pid /tmp/nginx.pid;
events {}
http {
    include /etc/nginx/mime.types;
    server { listen 8080; location / { return 200 "ok\\n"; } }
}
`;

interface Options {
  runs: number;
  builds: number;
  memoryMiB: number;
}

class UsageError extends Error {}

function positiveInt(flag: string, text: string | undefined): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) {
    throw new UsageError(`${flag} wants a positive whole number, got '${text ?? ''}'`);
  }
  return n;
}

export function parseOptions(args: readonly string[]): Options {
  const options: Options = { runs: 5, builds: 3, memoryMiB: 512 };
  for (let i = 0; i < args.length; i += 2) {
    const flag = args[i];
    const value = args[i + 1];
    if (flag === '--runs') options.runs = positiveInt(flag, value);
    else if (flag === '--builds') options.builds = positiveInt(flag, value);
    else if (flag === '--memory') options.memoryMiB = positiveInt(flag, value);
    else throw new UsageError(`unknown argument '${flag ?? ''}' (have --runs N, --builds N, --memory MIB)`);
  }
  return options;
}

/** What the CLI sees: PATH for QEMU, and the analysis cache where we say. */
function cliEnv(cacheDir: string): NodeJS.ProcessEnv {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', XDG_CACHE_HOME: cacheDir };
}

interface Subject {
  name: string;
  program: string;
  /** Package flags (--dir, --file) and the program's arguments, as given to `ukify build`. */
  flags: string[];
  args: string[];
}

function subjects(work: string): Subject[] {
  const conf = join(work, 'nginx.conf');
  writeFileSync(conf, nginxConf);
  return [
    { name: 'python3 + stdlib', program: python, flags: ['--dir', `${pythonLib}:${pythonLib}`], args: pythonArgs },
    { name: 'nginx + config', program: nginx, flags: ['--file', `${conf}:/etc/nginx/nginx.conf`, '--file', '/etc/nginx/mime.types'], args: ['-t'] },
  ];
}

function medianOf(times: number, measure: (i: number) => number): number {
  return median(Array.from({ length: times }, (_, i) => measure(i)));
}

/** One row of the build table: image size, `ukify build` time, analysis + build cold and warm. */
function buildRow(s: Subject, work: string, builds: number): TableRow {
  try {
    if (!existsSync(s.program)) throw new Error(`${s.program} is not installed`);
    const dir = join(work, s.name.replace(/\W+/g, '-'));
    mkdirSync(dir, { recursive: true });
    const image = join(dir, 'built.img');
    const build = (cache: string): TimedCommand => ({
      command: process.execPath,
      args: [cli, 'build', s.program, '-o', image, ...s.flags, '--', ...s.args],
      cwd: dir,
      env: cliEnv(cache),
      what: `ukify build ${s.program}`,
    });
    // `ukify PROGRAM` writes <name>.img in its working directory.
    const analyzeAndBuild = (cache: string): TimedCommand => ({
      ...build(cache),
      args: [cli, s.program, ...s.flags, '--', ...s.args],
      what: `ukify ${s.program}`,
    });
    timeCommand(build(join(dir, 'cache-none'))); // warms the page cache with what the image holds
    const buildMs = medianOf(builds, () => timeCommand(build(join(dir, 'cache-none'))));
    const bytes = statSync(image).size;
    const coldMs = medianOf(builds, (i) => timeCommand(analyzeAndBuild(join(dir, `cache-cold-${i}`))));
    const warm = join(dir, 'cache-warm');
    timeCommand(analyzeAndBuild(warm));
    const warmMs = medianOf(builds, () => timeCommand(analyzeAndBuild(warm)));
    return { label: s.name, cells: [mebibytes(bytes), buildMs.toFixed(0), coldMs.toFixed(0), warmMs.toFixed(0)] };
  } catch (error) {
    return { label: s.name, unavailable: firstLine(error) };
  }
}

/** One measurement: the wall time, and for the Linux guest the program's own time inside it. */
interface Sample {
  ms: number;
  innerMs?: number;
}

/** One way of running `python3 -c pass`: prepared once, then timed once per round. */
interface Way {
  label: string;
  /** The ratio columns divide by the 'native' way (else by 'host') and by the 'linux' way. */
  role?: 'native' | 'host' | 'linux';
  prepare: () => void;
  once: () => Promise<Sample>;
  samples: Sample[];
  failed?: string;
}

interface BootSetup {
  work: string;
  memoryMiB: number;
}

function bootWays(o: BootSetup): Way[] {
  const image = join(o.work, 'python-pass.img');
  const initrd = join(o.work, 'python-pass.cpio');
  const tree = join(o.work, 'tree');
  const env = cliEnv(join(o.work, 'cache'));
  const cpuinfo = readCpuinfo();
  const accel = chooseAccel('auto', cpuinfo, kvmUsable());
  const tscKhz = readHostTscKhz(cpuinfo);
  const append = kernelCommandLine({ ...(tscKhz === undefined ? {} : { tscKhz }), env: [], verbose: false });
  let vmlinux = '';

  const buildImage = (): void => {
    if (!existsSync(image)) {
      const args = [cli, 'build', python, '-o', image, '--dir', `${pythonLib}:${pythonLib}`, '--', ...pythonArgs];
      timeCommand({ command: process.execPath, args, env, what: `ukify build ${python}` });
    }
  };
  const makeInitrd = (): void => {
    if (!existsSync(initrd)) makeInitramfs(python, pythonArgs, initrd, [{ host: pythonLib, guest: pythonLib }]);
  };
  const timed = (c: TimedCommand) => async (): Promise<Sample> => ({ ms: timeCommand(c) });
  return [
    {
      label: 'native, host python3 (its site-packages)',
      role: 'host',
      prepare: () => undefined,
      once: timed({ command: python, args: pythonArgs }),
      samples: [],
    },
    {
      label: 'native, chroot into the guest tree',
      role: 'native',
      prepare: () => {
        if (process.getuid?.() !== 0) throw new Error('chroot needs root');
        makeInitrd();
        mkdirSync(tree, { recursive: true });
        execFileSync('cpio', ['-idm', '--quiet', '-D', tree, '-F', initrd]);
      },
      once: timed({ command: chroot, args: [tree, '/prog', ...pythonArgs] }),
      samples: [],
    },
    {
      label: 'ukify run IMAGE',
      prepare: buildImage,
      once: timed({ command: process.execPath, args: [cli, 'run', '-m', `${o.memoryMiB}M`, image], env, what: 'ukify run' }),
      samples: [],
    },
    {
      label: `raw QEMU on the image (accel ${accel})`,
      prepare: buildImage,
      // The app's exit(0) arrives through isa-debug-exit as QEMU status (0 << 1) | 1.
      once: timed({
        command: QEMU,
        args: qemuArgs({ image, memoryMiB: o.memoryMiB, accel, append, stderrFd: STDERR_FD, debugconFd: DEBUGCON_FD }),
        status: 1,
        env,
        extraFds: true,
        what: 'raw QEMU',
      }),
      samples: [],
    },
    {
      label: 'Linux guest (Debian kernel, whole VM)',
      role: 'linux',
      prepare: () => {
        vmlinux = prepareLinuxGuest().vmlinux;
        makeInitrd();
      },
      once: async () => {
        const run = await bootLinux({ vmlinux, initrd, memoryMiB: o.memoryMiB, accel });
        if (run.status !== 0) {
          const how = run.status !== undefined ? `status ${run.status}` : `signal ${run.signal ?? '?'}`;
          throw new Error(`python3 in the guest ended with ${how}: ${run.output.trim().split('\n').at(-1) ?? ''}`);
        }
        return { ms: run.wallMs, innerMs: (run.endNs - run.startNs) / 1e6 };
      },
      samples: [],
    },
  ];
}

async function attempt<T>(way: Way, step: () => Promise<T> | T): Promise<T | undefined> {
  if (way.failed !== undefined) return undefined;
  try {
    return await step();
  } catch (error) {
    way.failed = firstLine(error);
    return undefined;
  }
}

/** Prepares every way, then runs them in turn: a warm-up round (page cache), then `runs` counted rounds. */
async function timeWays(ways: readonly Way[], runs: number): Promise<void> {
  for (const way of ways) await attempt(way, way.prepare);
  for (let round = 0; round <= runs; round++) {
    for (const way of ways) {
      const sample = await attempt(way, way.once);
      if (sample !== undefined && round > 0) way.samples.push(sample);
    }
  }
}

function bootRows(ways: readonly Way[]): TableRow[] {
  const mid = (role: Way['role']): number | undefined => {
    const way = ways.find((w) => w.role === role && w.failed === undefined && w.samples.length > 0);
    return way === undefined ? undefined : median(way.samples.map((x) => x.ms));
  };
  const nativeBase = mid('native') ?? mid('host');
  const linuxBase = mid('linux');
  const row = (label: string, times: readonly number[]): TableRow => {
    const m = median(times);
    return { label, cells: [m.toFixed(1), Math.min(...times).toFixed(1), ratio(m, nativeBase), ratio(m, linuxBase)] };
  };
  return ways.flatMap((w): TableRow[] => {
    if (w.failed !== undefined) return [{ label: w.label, unavailable: w.failed }];
    const inner = w.samples.flatMap((x) => (x.innerMs === undefined ? [] : [x.innerMs]));
    return [row(w.label, w.samples.map((x) => x.ms)), ...(inner.length > 0 ? [row('  python3 alone inside it (guest uptime)', inner)] : [])];
  });
}

export async function run(args: string[]): Promise<void> {
  let options: Options;
  try {
    options = parseOptions(args);
  } catch (error) {
    process.stderr.write(`bench programs: ${firstLine(error)}\n`);
    process.exitCode = 2;
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'ukify-bench-programs-'));
  try {
    process.stdout.write(`image size and build time: medians of ${options.builds} runs (ms; cold: an empty analysis cache each run)\n`);
    const buildTable = subjects(work).map((s) => buildRow(s, work, options.builds));
    process.stdout.write(`${formatTable(['program', 'image MiB', 'ukify build', 'analyze+build cold', 'warm'], buildTable)}\n\n`);

    const ways = bootWays({ work, memoryMiB: options.memoryMiB });
    await timeWays(ways, options.runs);
    process.stdout.write(`python3 -c pass, boot to exit: medians of ${options.runs} interleaved rounds, -m ${options.memoryMiB} MiB for the VMs\n`);
    process.stdout.write(`(vs native: against the chroot run, which reads the same files as the guests, or the host run without chroot)\n`);
    process.stdout.write(`${formatTable(['where', 'median ms', 'min ms', 'vs native', 'vs Linux'], bootRows(ways))}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
