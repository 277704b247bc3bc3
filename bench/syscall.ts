// `npm run bench -- syscall [--runs N] [--calls N] [--requests N]`: the cost of a syscall (issue 14's
// benchmark), each row measured four ways side by side in one run: natively, in the Debian Linux guest
// (same QEMU machine), under ukify with the trap path (an image built with --no-rewrite) and under ukify
// with the default image (the rewriter's patched copies of the program and its libraries).
// 1. null syscall: the identity fixture times N getppid() calls through the libc's wrapper, a site the
//    rewriter patches (the rewritten image answers it in user space); target: rewritten at most 0.1x
//    the Linux guest.
// 2. clock_gettime(CLOCK_MONOTONIC): the clockcall fixture times N calls through the libc (through
//    each kernel's vDSO: ukify's with and without rewriting) and, under ukify, as syscall(SYS_clock_gettime)
//    (a site whose number comes from its caller: never patched, the trap path the vDSO avoids);
//    target: the vDSO at most 0.2x ukify's trap path.
// 3. redis: Debian's redis-server (lib-redis.ts: its defaults but protected mode and snapshots) under
//    redis-benchmark -t set,get -n REQUESTS -c 16, from both ukify images and in the Linux guest, the
//    three servers started once, warmed up, and loaded in turn, round after round; requests/s and the
//    ratio rewritten / trap (no target).
// 1 and 2 are one process or VM per measurement (wall s: the whole run, VM boot included); the --runs
// rounds (default 5) take every row in turn, so the medians and ratios come from the same stretch of a
// noisy machine. The load average is printed when the runs begin and when they end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturePath, repoRoot } from '../fixtures/index.js';
import { freePort } from '../harness/free-port.js';
import { type RedisRun, redisBenchmark } from '../harness/load-tools.js';
import { stopServer, ukifyRun, until, type Server } from '../harness/servers.js';
import { benchFlags } from './lib-args.js';
import { bootLinux, makeInitramfs, prepareLinuxGuest, startLinux, type LinuxGuest } from './lib-linux-guest.js';
import { linuxRedis, redisAnswers, redisArgs, redisServer, ukifyBuild } from './lib-redis.js';
import { formatTable as formatPlainTable, median, ratio, type TableRow } from './lib-table.js';
import { firstLine, runTimed } from './lib-timing.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const timeoutMs = 180_000;
const REDIS_CLIENTS = 16;
const REDIS_TESTS = ['SET', 'GET'] as const;

/** Issue 14's targets, as ratios. */
export const targets = { nullVsLinux: 0.1, vdsoVsTrap: 0.2 };

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

const identity = (calls: number): Workload => ({ name: 'identity-bench', program: fixturePath('identity', 'glibc-static'), args: ['bench', String(calls)] });
const clockcall = (calls: number, how: 'vdso' | 'syscall'): Workload => ({
  name: `clockcall-${how}`,
  program: fixturePath('clockcall', 'glibc-static'),
  args: [String(calls), how],
});

export function nsPerCall(output: string): number | undefined {
  const m = /^ns_per_call=(\d+(?:\.\d+)?)$/m.exec(output);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function sampleFrom(output: string, wallMs: number, what: string): Sample {
  const ns = nsPerCall(output);
  if (ns === undefined) throw new Error(`${what} printed no ns_per_call`);
  return { nsPerCall: ns, wallMs };
}

/** One row of a table: prepared once (a throw: the row is not available), then measured once per round. */
interface Place {
  where: string;
  prepare(): Promise<void>;
  once(): Promise<Sample>;
}

function native(where: string, w: Workload): Place {
  return {
    where,
    prepare: async () => undefined,
    once: async () => {
      const r = runTimed({ command: w.program, args: w.args, what: w.name, timeoutMs });
      return sampleFrom(r.stdout, r.ms, w.name);
    },
  };
}

function linuxGuest(where: string, w: Workload): Place {
  const initrd = join(repoRoot, 'build', 'linux-guest', `${w.name}.cpio`);
  let vmlinux = '';
  return {
    where,
    prepare: async () => {
      vmlinux = prepareLinuxGuest().vmlinux;
      makeInitramfs(w.program, w.args, initrd);
    },
    once: async () => {
      const run = await bootLinux({ vmlinux, initrd, timeoutMs });
      if (run.status !== 0) throw new Error(`${w.name} ended with ${run.status !== undefined ? `status ${run.status}` : `signal ${run.signal}`}`);
      return sampleFrom(run.output, run.wallMs, `${w.name} in the guest`);
    },
  };
}

/** The two ukify images of a fixture: the trap path (--no-rewrite) and the default (rewritten). */
type ImageKind = 'trap' | 'rewritten';

interface Images {
  dir: string;
  /** Per image built: what `ukify build` said about its syscall sites (its "syscall sites:" line). */
  built: Map<string, string>;
}

function imagePath(images: Images, program: string, kind: ImageKind): string {
  return join(images.dir, `${program.split('/').at(-1) ?? 'program'}.${kind}.img`);
}

/** The "syscall sites:" line of `ukify build`'s summary ('' when it has none). */
function sitesLine(said: string): string {
  return said.split('\n').find((l) => l.startsWith('syscall sites:')) ?? '';
}

/** `ukify run IMAGE -- ARGS`, the image built once (the first place that needs it builds it). */
function ukify(where: string, w: Workload, kind: ImageKind, images: Images): Place {
  const image = imagePath(images, w.program, kind);
  return {
    where,
    prepare: async () => {
      if (images.built.has(image)) return;
      images.built.set(image, sitesLine(await ukifyBuild(w.program, image, kind === 'trap' ? ['--no-rewrite'] : [])));
    },
    once: async () => {
      const r = runTimed({ command: process.execPath, args: [cli, 'run', image, '--', ...w.args], what: 'ukify run', timeoutMs });
      return sampleFrom(r.stdout, r.ms, 'ukify run');
    },
  };
}

/** Every place of every table prepared, then `runs` rounds taking each place in turn; a place that fails is not tried again. */
async function measure(tables: readonly (readonly Place[])[], runs: number): Promise<Row[][]> {
  const rows: Row[][] = [];
  for (const places of tables) {
    const table: Row[] = [];
    for (const place of places) {
      try {
        await place.prepare();
        table.push({ where: place.where, samples: [] });
      } catch (error) {
        table.push({ where: place.where, unavailable: firstLine(error) });
      }
    }
    rows.push(table);
  }
  for (let round = 0; round < runs; round++) {
    for (let t = 0; t < tables.length; t++) {
      const places = tables[t] ?? [];
      for (let i = 0; i < places.length; i++) {
        const row = rows[t]?.[i];
        const place = places[i];
        if (row === undefined || place === undefined || !('samples' in row)) continue;
        try {
          row.samples.push(await place.once());
        } catch (error) {
          (rows[t] as Row[])[i] = { where: row.where, unavailable: firstLine(error) };
        }
      }
    }
  }
  return rows;
}

export function rowMedian(row: Row | undefined): number | undefined {
  return row !== undefined && 'samples' in row && row.samples.length > 0 ? median(row.samples.map((s) => s.nsPerCall)) : undefined;
}

/**
 * One table line per row: the measured cells, or the reason the row could not be measured. Ratios
 * against the native row, and with `vsRow` also against that row (a column named after it).
 */
export function formatTable(rows: readonly Row[], vsRow?: string): string {
  const baseNs = rowMedian(rows.find((r) => r.where === 'native'));
  const otherNs = vsRow === undefined ? undefined : rowMedian(rows.find((r) => r.where === vsRow));
  const header = ['where', 'ns/call', 'min-max', 'vs native', ...(vsRow === undefined ? [] : [`vs ${vsRow}`]), 'wall s'];
  const lines = rows.map((r): TableRow => {
    if ('unavailable' in r) return { label: r.where, unavailable: r.unavailable };
    const ns = r.samples.map((s) => s.nsPerCall);
    const mid = median(ns);
    return {
      label: r.where,
      cells: [
        mid.toFixed(1),
        `${Math.min(...ns).toFixed(1)}-${Math.max(...ns).toFixed(1)}`,
        ratio(mid, baseNs),
        ...(vsRow === undefined ? [] : [otherNs !== undefined ? `${(mid / otherNs).toFixed(3)}x` : '-']),
        (median(r.samples.map((s) => s.wallMs)) / 1000).toFixed(2),
      ],
    };
  });
  return formatPlainTable(header, lines);
}

/**
 * "target: WHAT 0.120x against 0.1x: NOT met (1.2x)", as the analyze bench prints its targets (the
 * ratio value/base at most limit); or why there is no figure.
 */
export function verdict(what: string, value: number | undefined, base: number | undefined, limit: number): string {
  if (value === undefined || base === undefined || base <= 0) return `target: ${what} at most ${limit}x: not measured (a row has no figure)`;
  const r = value / base;
  return `target: ${what} ${r.toFixed(3)}x against ${limit}x: ${r <= limit ? 'met' : `NOT met (${(r / limit).toFixed(1)}x)`}`;
}

// ---- 3. redis ----

/** A redis server to load, or why there is none; `stop` ends it. */
type RedisPlace = { where: string; port: number; stop(): Promise<void> } | { where: string; unavailable: string };

/** Per server: one RedisRun per round, or why it could not be measured. */
export type RedisResults = { where: string; runs: RedisRun[]; stopped?: string } | { where: string; unavailable: string };

/** How long one redis-benchmark run may take: 3 ms a request (a rate of 333/s for each test), at least a minute. */
export function redisTimeoutMs(requests: number): number {
  return Math.max(60_000, requests * 3);
}

/** A server's good runs so far, and why it is loaded no more. */
export interface RedisLoad {
  runs: RedisRun[];
  stopped?: string;
}

/**
 * The servers on `ports` (undefined: one left out) warmed up by one uncounted run of a tenth of the
 * requests each, then loaded one after another, round after round, each round starting one server
 * further; a server whose run fails keeps the runs it had and is not loaded again.
 */
export async function loadInTurn(ports: readonly (number | undefined)[], loads: readonly (RedisLoad | undefined)[], runs: number, requests: number, clients: number): Promise<void> {
  const limit = redisTimeoutMs(requests);
  for (const [i, port] of ports.entries()) {
    const r = loads[i];
    if (port === undefined || r === undefined) continue;
    const failed = redisFailure(await redisBenchmark(port, clients, Math.max(1, Math.floor(requests / 10)), limit));
    if (failed !== undefined) r.stopped = `the warm-up run failed (${failed}); not loaded`;
  }
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < ports.length; k++) {
      const i = (round + k) % ports.length;
      const port = ports[i];
      const r = loads[i];
      if (port === undefined || r === undefined || r.stopped !== undefined) continue;
      const run = await redisBenchmark(port, clients, requests, limit);
      const failed = redisFailure(run);
      if (failed === undefined) r.runs.push(run);
      else r.stopped = `run ${round + 1} failed (${failed}); not loaded again, its ${r.runs.length} good runs kept`;
    }
  }
}

/** Why a run counts as failed (the server is then not loaded again), or undefined for a good run. */
export function redisFailure(run: RedisRun): string | undefined {
  if (run.status === 0 && run.tests.length === REDIS_TESTS.length) return undefined;
  const said = run.errors.at(-1)?.trim();
  return `redis-benchmark ${run.status === 0 ? `reported ${run.tests.length} of ${REDIS_TESTS.length} tests` : `exit status ${run.status}`}${said !== undefined ? `: ${said}` : ''}`;
}

async function startUkifyRedis(where: string, image: string): Promise<RedisPlace> {
  const port = await freePort();
  let server: Server | undefined;
  try {
    server = ukifyRun([image, '-p', `${port}:6379`]);
    await until(`redis-server under ukify (${where})`, () => redisAnswers(port), server);
    const s = server;
    return { where, port, stop: () => stopServer(s) };
  } catch (error) {
    if (server !== undefined) await stopServer(server);
    return { where, unavailable: firstLine(error) };
  }
}

async function startLinuxRedis(where: string, initrd: string): Promise<RedisPlace> {
  const linux = linuxRedis(initrd);
  if ('unavailable' in linux) return { where, unavailable: linux.unavailable };
  const port = await freePort();
  let guest: LinuxGuest | undefined;
  try {
    const forwards = [{ address: '127.0.0.1', hostPort: port, guestPort: 6379, protocol: 'tcp' as const, source: 'bench syscall' }];
    guest = await startLinux({ vmlinux: linux.vmlinux, initrd, network: { forwards }, timeoutMs: 600_000 });
    const g = guest;
    await until('redis-server in the Linux guest', () => redisAnswers(port), () => !g.running());
    return { where, port, stop: () => g.stop() };
  } catch (error) {
    if (guest !== undefined) await guest.stop();
    return { where, unavailable: firstLine(error) };
  }
}

/**
 * The servers started together (an idle one takes 1-2% of a CPU), each warmed up by one uncounted
 * run of a tenth of the requests, then loaded one after another, round after round, each round
 * starting one server further (no server always first after the others' load). A server whose run
 * fails (the Linux guest's network has been seen to stop answering once in several runs) keeps the
 * runs it had and is not loaded again.
 */
async function measureRedis(dir: string, runs: number, requests: number, images: Record<ImageKind, string>): Promise<RedisResults[]> {
  const servers: RedisPlace[] = [];
  try {
    servers.push(await startLinuxRedis('Linux guest', join(dir, 'redis.cpio')));
    servers.push(await startUkifyRedis('ukify trap', images.trap));
    servers.push(await startUkifyRedis('ukify rewritten', images.rewritten));
    const results: RedisResults[] = servers.map((s) => ('unavailable' in s ? s : { where: s.where, runs: [] }));
    await loadInTurn(
      servers.map((s) => ('port' in s ? s.port : undefined)),
      results.map((r) => ('runs' in r ? r : undefined)),
      runs,
      requests,
      REDIS_CLIENTS,
    );
    return results;
  } finally {
    for (const s of servers) if ('stop' in s) await s.stop();
  }
}

/** Requests/s of one test in every run of a server (runs without that test's figure left out). */
export function rates(runs: readonly RedisRun[], test: string): number[] {
  return runs.map((r) => r.tests.find((t) => t.name === test)?.rps ?? Number.NaN).filter(Number.isFinite);
}

export function redisMedian(result: RedisResults | undefined, test: string): number | undefined {
  if (result === undefined || 'unavailable' in result) return undefined;
  const rs = rates(result.runs, test);
  return rs.length > 0 ? median(rs) : undefined;
}

const fmt = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(0));

/** The redis table (median and range of requests/s per test, the runs measured, errors), why a server stopped early, and the ratios. */
export function redisReport(results: readonly RedisResults[]): string {
  const linux = results.find((r) => r.where === 'Linux guest');
  const trap = results.find((r) => r.where === 'ukify trap');
  const rewritten = results.find((r) => r.where === 'ukify rewritten');
  const rows: TableRow[] = results.map((r) => {
    if ('unavailable' in r) return { label: r.where, unavailable: r.unavailable };
    const cells = REDIS_TESTS.flatMap((test) => {
      const rs = rates(r.runs, test);
      return [fmt(redisMedian(r, test)), rs.length > 0 ? `${fmt(Math.min(...rs))}-${fmt(Math.max(...rs))}` : '-', ratio(redisMedian(r, test), redisMedian(linux, test))];
    });
    const errors = r.runs.reduce((n, run) => n + run.errors.length + (run.status === 0 && run.tests.length === REDIS_TESTS.length ? 0 : 1), 0);
    return { label: r.where, cells: [...cells, String(r.runs.length), String(errors)] };
  });
  const header = ['where', ...REDIS_TESTS.flatMap((t) => [`${t} req/s`, `${t} min-max`, `${t} vs Linux`]), 'runs', 'errors'];
  const stopped = results.flatMap((r) => ('stopped' in r && r.stopped !== undefined ? [`${r.where}: ${r.stopped}`] : []));
  const firstError = results.flatMap((r) => ('runs' in r ? r.runs.flatMap((run) => run.errors.map((e) => `${r.where}: first error: ${e.trim()}`)) : []))[0];
  const ratios = REDIS_TESTS.map((test) => `${test} ${ratio(redisMedian(rewritten, test), redisMedian(trap, test))}`).join(', ');
  return [
    formatPlainTable(header, rows),
    ...stopped,
    ...(firstError === undefined ? [] : [firstError]),
    `ukify rewritten / ukify trap (requests/s, higher is faster): ${ratios} (no target: figures for the closing note)`,
  ].join('\n');
}

function loadLine(when: string): string {
  return `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} ${when} (${cpus().length} CPUs)`;
}

export async function run(args: string[]): Promise<void> {
  const opts = benchFlags('syscall', args, { runs: 5, calls: 1_000_000, requests: 20_000 });
  if (opts === undefined) return;
  // The fixtures are built by make (quick when up to date), as the test suite's global setup does.
  spawnSync('make', ['-s', '-C', join(repoRoot, 'fixtures')], { stdio: ['ignore', 'ignore', 'inherit'] });
  const dir = mkdtempSync(join(tmpdir(), 'ukify-bench-syscall-'));
  try {
    process.stdout.write(`bench syscall: ${loadLine('when the runs began')}\n`);
    const images: Images = { dir, built: new Map() };
    const getppid = identity(opts.calls);
    const libc = clockcall(opts.calls, 'vdso');
    const raw = clockcall(opts.calls, 'syscall');
    const [nullRows = [], clockRows = []] = await measure(
      [
        [native('native', getppid), linuxGuest('Linux guest', getppid), ukify('ukify trap', getppid, 'trap', images), ukify('ukify rewritten', getppid, 'rewritten', images)],
        [
          native('native', libc),
          linuxGuest('Linux guest', libc),
          ukify('ukify trap, vDSO', libc, 'trap', images),
          ukify('ukify rewritten, vDSO', libc, 'rewritten', images),
          ukify('ukify trap, syscall()', raw, 'trap', images),
        ],
      ],
      opts.runs,
    );

    process.stdout.write(
      `\nnull syscall: getppid() through the libc's wrapper x ${opts.calls} (fixtures/identity.c, glibc static), median of ${opts.runs} interleaved runs ` +
        '(ukify trap: the image built with --no-rewrite; ukify rewritten: the default image; wall s: whole run, VM boot included)\n',
    );
    process.stdout.write(`${formatTable(nullRows, 'Linux guest')}\n`);
    const sites = images.built.get(imagePath(images, getppid.program, 'rewritten'));
    if (sites !== undefined && sites !== '') process.stdout.write(`rewritten image: ${sites}\n`);
    const row = (rows: Row[], where: string): number | undefined => rowMedian(rows.find((r) => r.where === where));
    process.stdout.write(`${verdict('ukify rewritten / Linux guest', row(nullRows, 'ukify rewritten'), row(nullRows, 'Linux guest'), targets.nullVsLinux)}\n`);
    process.stdout.write(`ukify trap / Linux guest: ${ratio(row(nullRows, 'ukify trap'), row(nullRows, 'Linux guest'))}; ukify rewritten / ukify trap: ${ratio(row(nullRows, 'ukify rewritten'), row(nullRows, 'ukify trap'))}\n`);

    process.stdout.write(
      `\nclock_gettime(CLOCK_MONOTONIC) x ${opts.calls} (fixtures/clockcall.c, glibc static), median of ${opts.runs} interleaved runs ` +
        "(the libc's call, through each kernel's vDSO; syscall(): syscall(SYS_clock_gettime), never patched: the trap path)\n",
    );
    process.stdout.write(`${formatTable(clockRows, 'ukify trap, syscall()')}\n`);
    process.stdout.write(`${verdict('ukify rewritten, vDSO / ukify trap, syscall()', row(clockRows, 'ukify rewritten, vDSO'), row(clockRows, 'ukify trap, syscall()'), targets.vdsoVsTrap)}\n`);

    // 3. redis: both images built (the rewritten one takes a few seconds: the analysis and the patched copies).
    let redis: RedisResults[];
    const redisImages = { trap: join(dir, 'redis.trap.img'), rewritten: join(dir, 'redis.rewritten.img') };
    let redisSites = '';
    try {
      const tool = spawnSync('redis-benchmark', ['--version'], { stdio: 'ignore' });
      if (tool.error !== undefined) throw new Error(`redis-benchmark: ${tool.error.message} (Debian package redis-tools: scripts/setup installs it)`);
      await ukifyBuild(redisServer, redisImages.trap, ['--no-rewrite'], redisArgs);
      redisSites = sitesLine(await ukifyBuild(redisServer, redisImages.rewritten, [], redisArgs));
      redis = await measureRedis(dir, opts.runs, opts.requests, redisImages);
    } catch (error) {
      const why = firstLine(error);
      redis = ['Linux guest', 'ukify trap', 'ukify rewritten'].map((where) => ({ where, unavailable: why }));
    }
    process.stdout.write(
      `\nredis: redis-benchmark -t set,get -n ${opts.requests} -c ${REDIS_CLIENTS} against Debian's redis-server ${redisArgs.map((a) => (a === '' ? "''" : a)).join(' ')}, ` +
        `median of ${opts.runs} interleaved runs after one warm-up run of ${Math.max(1, Math.floor(opts.requests / 10))} requests each ` +
        `(the three servers started once, in the same QEMU microvm machine, user networking, 127.0.0.1 forwards; ` +
        `--protected-mode no: the connections come from QEMU's forward, not loopback; --save '': no snapshot forked mid-run)\n`,
    );
    process.stdout.write(`${redisReport(redis)}\n`);
    if (redisSites !== '') process.stdout.write(`rewritten image: ${redisSites}\n`);
    process.stdout.write(`\nbench syscall: ${loadLine('when the runs ended')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
