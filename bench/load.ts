// `npm run bench -- load [--runs N]`: servers under real load tools, as a user measures them
// (issue 11, part 1).
// 1. Debian's redis-server with its defaults (`--protected-mode no`, as in a container), from an
//    ukify image and from Debian's own kernel booted in the same QEMU machine with the same user
//    networking (the Linux guest, redis in its initramfs): redis-benchmark SET and GET, 20,000
//    requests at 16 and at 64 clients, --runs times in a row against each. Per run: the rate and
//    the longest request. Target: no request longer than 200 ms (a stall) and no error, in any run.
// 2. Debian's nginx with its own /etc/nginx (`ukify run /usr/sbin/nginx -p`): ab -n 50000 -c 32, a
//    new connection per request, --runs times in a row. Target: 0 failed requests in every run.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../harness/free-port.js';
import { apacheBench, type RedisRun, redisBenchmark } from '../harness/load-tools.js';
import { stopServer, ukifyRun, until } from '../harness/servers.js';
import { startLinux } from './lib-linux-guest.js';
import { linuxRedis, redisAnswers, redisArgs, redisServer, ukifyBuild } from './lib-redis.js';
import { formatTable, median, type TableRow } from './lib-table.js';

const STALL_MS = 200;
const REQUESTS = 20_000;
const AB_REQUESTS = 50_000;

interface Running {
  stop(): Promise<void>;
}

function option(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  const n = i < 0 ? fallback : Number(args[i + 1]);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag} wants a positive whole number`);
  return n;
}

/** The runs of one redis server: per client count, one RedisRun per run. */
async function loadRedis(port: number, runs: number): Promise<Record<number, RedisRun[]>> {
  const out: Record<number, RedisRun[]> = { 16: [], 64: [] };
  for (let r = 0; r < runs; r++) for (const clients of [16, 64]) out[clients]?.push(await redisBenchmark(port, clients, REQUESTS));
  return out;
}

const fmt = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : '-');

/** Rows for one server's runs: the median rate and the worst request of each test and client count. */
function redisRows(where: string, results: Record<number, RedisRun[]>): TableRow[] {
  return [16, 64].flatMap((clients) =>
    ['SET', 'GET'].map((test) => {
      const runs = results[clients] ?? [];
      const of = runs.map((r) => r.tests.find((t) => t.name === test));
      const rates = of.map((t) => t?.rps ?? Number.NaN).filter(Number.isFinite);
      const worst = of.map((t) => t?.maxMs ?? Number.NaN);
      const errors = runs.reduce((n, r) => n + r.errors.length + (r.status === 0 ? 0 : 1), 0);
      return { label: `${where} ${test} -c ${clients}`, cells: [fmt(median(rates)), `${fmt(Math.min(...rates))}-${fmt(Math.max(...rates))}`, worst.map(fmt).join(' '), String(errors)] };
    }),
  );
}

function stallFree(results: Record<number, RedisRun[]>): boolean {
  return Object.values(results).every((runs) => runs.every((r) => r.status === 0 && r.errors.length === 0 && r.tests.length === 2 && r.tests.every((t) => t.maxMs <= STALL_MS)));
}

export async function run(args: string[]): Promise<void> {
  const runs = option(args, '--runs', 5);
  const dir = mkdtempSync(join(tmpdir(), 'ukify-bench-load-'));
  let running: Running | undefined;
  try {
    // 1. redis: the image is built once (ukify build), then each server is loaded in turn.
    const image = join(dir, 'redis.img');
    await ukifyBuild(redisServer, image, [], redisArgs);
    const initrd = join(dir, 'redis.cpio');
    const linux = linuxRedis(initrd);

    const port = await freePort();
    const ukify = ukifyRun([image, '-p', `${port}:6379`]);
    running = { stop: () => stopServer(ukify) };
    await until('redis-server under ukify', () => redisAnswers(port), ukify);
    const ukifyRuns = await loadRedis(port, runs);
    await stopServer(ukify);
    running = undefined;

    let linuxRuns: Record<number, RedisRun[]> | undefined;
    if ('vmlinux' in linux) {
      const lport = await freePort();
      const forwards = [{ address: '127.0.0.1', hostPort: lport, guestPort: 6379, protocol: 'tcp' as const, source: 'bench load' }];
      const guest = await startLinux({ vmlinux: linux.vmlinux, initrd, network: { forwards }, timeoutMs: 600_000 });
      running = guest;
      await until('redis-server in the Linux guest', () => redisAnswers(lport), () => !guest.running());
      linuxRuns = await loadRedis(lport, runs);
      await guest.stop();
      running = undefined;
    }

    process.stdout.write(
      `load: redis-benchmark -t set,get -n ${REQUESTS}, ${runs} runs in a row at -c 16 and -c 64 against Debian's redis-server ` +
        '(ukify image; Debian\'s kernel with redis in its initramfs; both QEMU microvm, TCG, user networking)\n',
    );
    const rows = [...redisRows('ukify', ukifyRuns), ...(linuxRuns === undefined ? [] : redisRows('linux guest', linuxRuns))];
    if ('unavailable' in linux) rows.push({ label: 'linux guest', unavailable: linux.unavailable });
    process.stdout.write(`${formatTable(['', 'req/s (median)', 'req/s (range)', 'longest request per run (ms)', 'errors'], rows)}\n`);
    for (const [where, results] of [['ukify', ukifyRuns], ['linux guest', linuxRuns]] as const) {
      const first = Object.values(results ?? {}).flat().flatMap((r) => r.errors)[0];
      if (first !== undefined) process.stdout.write(`${where}: first error: ${first.trim()}\n`);
    }
    process.stdout.write(`target: no request over ${STALL_MS} ms and no error in any run (ukify): ${stallFree(ukifyRuns) ? 'met' : 'not met'}\n`);

    // 2. nginx with Debian's configuration, as `ukify run PROGRAM` packages it.
    const nport = await freePort();
    const nginx = ukifyRun(['/usr/sbin/nginx', '-p', `${nport}:80`]);
    running = { stop: () => stopServer(nginx) };
    const url = `http://127.0.0.1:${nport}/`;
    await until('nginx under ukify', async () => (await apacheBench(url, 1, 1, 5_000)).complete === 1, nginx);
    const abRuns = [];
    for (let r = 0; r < runs; r++) abRuns.push(await apacheBench(url, AB_REQUESTS, 32, 900_000));
    await stopServer(nginx);
    running = undefined;
    process.stdout.write(`\nload: ab -n ${AB_REQUESTS} -c 32 (a new connection per request), ${runs} runs in a row against Debian's nginx and its own /etc/nginx (ukify run /usr/sbin/nginx -p)\n`);
    const abRows: TableRow[] = abRuns.map((r, i) => ({ label: `run ${i + 1}`, cells: [String(r.complete), String(r.failed), fmt(r.rps), fmt(r.longestMs), r.error || '-'] }));
    process.stdout.write(`${formatTable(['', 'complete', 'failed', 'req/s', 'longest (ms)', 'ab error'], abRows)}\n`);
    const clean = abRuns.every((r) => r.status === 0 && r.failed === 0 && r.complete === AB_REQUESTS);
    process.stdout.write(`target: 0 failed requests in every run: ${clean ? 'met' : 'not met'}\n`);
  } finally {
    if (running !== undefined) await running.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
