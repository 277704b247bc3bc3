// `npm run bench -- net [--requests N] [--rounds N]`: Debian's nginx serving a static site from an
// ukify image (QEMU user networking, `ukify run -p`), from Debian's own kernel booted in the same
// QEMU machine with the same networking (the Linux guest: bench/linux-guest/, nginx in its
// initramfs), and natively, with the same configuration and the same HTTP client, measured in
// interleaved rounds (each server started, measured and stopped in turn):
// 1. start to first response: `ukify run nginx.img` (image prebuilt), the guest's QEMU (initramfs
//    prebuilt) or the native nginx, from spawn until a GET / answers 200;
// 2. latency of GET / (612 bytes) over one keep-alive connection, median of --requests per round;
// 3. throughput of GET /big.bin (4 MiB, sendfile) on fresh connections.
// The image runs nginx in one process (master_process off), as the others do; a second image runs
// Debian's usual shape, a master and one worker process (the worker serves), whose figures must stay
// within 10% of the first: switching address spaces must stay off the hot path.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../fixtures/index.js';
import { LinuxGuestError, makeInitramfs, prepareLinuxGuest, startLinux } from './lib-linux-guest.js';
import { formatTable, ratio, type TableRow } from './lib-table.js';
import { median } from './lib-table.js';
import { freePort } from '../harness/free-port.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const nginx = '/usr/sbin/nginx';
const bigSize = 4 << 20;

function option(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  const n = i < 0 ? fallback : Number(args[i + 1]);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag} wants a positive whole number`);
  return n;
}

function config(site: string, listen: string, workers = false): string {
  return [
    workers ? 'master_process on; worker_processes 1;' : 'master_process off;',
    'daemon off;',
    'error_log stderr;',
    `pid ${listen === '80' ? '/tmp' : site}/nginx.pid;`,
    'events { worker_connections 256; }',
    'http {',
    '  access_log off; sendfile on; keepalive_requests 100000;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${listen === '80' ? '/tmp' : site}/${t};`),
    `  server { listen ${listen}; root ${site}/html; }`,
    '}',
    '',
  ].join('\n');
}

/** GET path; resolves with the number of body bytes, rejects unless 200. */
function get(port: number, path: string, agent?: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${path}: status ${res.statusCode}`))));
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`${path}: no answer`)));
    req.on('error', reject);
    req.end();
  });
}

interface Server {
  port: number;
  startMs: number;
  stop(): Promise<void>;
}

/** Polls GET / until it answers 200; `alive` false or 30 s without an answer is a failure. */
async function firstResponse(what: string, port: number, t0: number, alive: () => string | undefined): Promise<void> {
  for (;;) {
    const ended = alive();
    if (ended !== undefined) throw new Error(`${what} ended: ${ended}`);
    if (performance.now() - t0 > 30_000) throw new Error(`${what}: no answer after 30 s`);
    if (await get(port, '/').then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 2));
  }
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const ended = new Promise((done) => proc.on('exit', done));
  proc.kill('SIGTERM');
  await ended;
}

/** Spawns a server and waits for its first 200. */
async function startServer(port: number, command: string, args: string[]): Promise<Server> {
  const t0 = performance.now();
  const proc = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  const server = { port, startMs: 0, stop: () => stopProcess(proc) };
  try {
    await firstResponse(command, port, t0, () => (proc.exitCode === null ? undefined : (err.trim().split('\n').pop() ?? '')));
  } catch (error) {
    await server.stop();
    throw error;
  }
  return { ...server, startMs: performance.now() - t0 };
}

/** Boots the Linux guest with `initrd` (nginx, listening on 80) forwarded from `port`, and waits for its first 200. */
async function startLinuxServer(port: number, vmlinux: string, initrd: string): Promise<Server> {
  const t0 = performance.now();
  const forwards = [{ address: '127.0.0.1', hostPort: port, guestPort: 80, protocol: 'tcp' as const, source: 'bench net' }];
  const guest = await startLinux({ vmlinux, initrd, network: { forwards }, timeoutMs: 30_000 });
  try {
    await firstResponse('the Linux guest', port, t0, () => (guest.running() ? undefined : guest.console().trim().split('\n').pop() ?? ''));
  } catch (error) {
    await guest.stop();
    throw error;
  }
  return { port, startMs: performance.now() - t0, stop: () => guest.stop() };
}

async function latencyUs(port: number, requests: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    await get(port, '/', agent);
    const times: number[] = [];
    for (let i = 0; i < requests; i++) {
      const t0 = performance.now();
      await get(port, '/', agent);
      times.push((performance.now() - t0) * 1000);
    }
    return median(times);
  } finally {
    agent.destroy();
  }
}

async function throughputMBs(port: number): Promise<number> {
  const t0 = performance.now();
  const n = await get(port, '/big.bin');
  if (n !== bigSize) throw new Error(`big.bin: ${n} bytes, expected ${bigSize}`);
  return n / 1e6 / ((performance.now() - t0) / 1000);
}

type Where = 'ukify' | 'workers' | 'linux' | 'native';
const WORKERS_TARGET = 1.1; /* master+worker at most 10% slower than one process */

/** The kernel and the nginx initramfs of the Linux guest, or why there is none. */
function linuxGuest(site: string, guestConf: string, initrd: string): { vmlinux: string } | { unavailable: string } {
  try {
    const kernel = prepareLinuxGuest();
    makeInitramfs(nginx, ['-c', guestConf, '-p', site], initrd, [{ host: site, guest: site }], { modules: kernel.modules });
    return { vmlinux: kernel.vmlinux };
  } catch (error) {
    if (error instanceof LinuxGuestError) return { unavailable: error.message };
    throw error;
  }
}

export async function run(args: string[]): Promise<void> {
  const requests = option(args, '--requests', 200);
  const rounds = option(args, '--rounds', 5);
  // site/ is what the guests get (--dir, the initramfs); out/ holds the image and the initramfs.
  const root = mkdtempSync(join(tmpdir(), 'ukify-bench-net-'));
  const site = join(root, 'site');
  const out = join(root, 'out');
  let running: Server | undefined;
  try {
    mkdirSync(join(site, 'html'), { recursive: true });
    mkdirSync(out);
    writeFileSync(join(site, 'html', 'index.html'), `<html><body>${'x'.repeat(612 - 26)}</body></html>`);
    writeFileSync(join(site, 'html', 'big.bin'), Buffer.alloc(bigSize, 0x42));
    const image = join(out, 'nginx.img'), workersImage = join(out, 'nginx-workers.img');
    const guestConf = join(site, 'guest.conf'), workersConf = join(site, 'workers.conf');
    writeFileSync(guestConf, config(site, '80'));
    writeFileSync(workersConf, config(site, '80', true));
    for (const [img, conf] of [[image, guestConf], [workersImage, workersConf]] as const) {
      const build = spawn('node', [cli, 'build', nginx, '-o', img, '--dir', site, '--', '-c', conf, '-p', site], { stdio: 'ignore' });
      if ((await new Promise((done) => build.on('exit', done))) !== 0) throw new Error('ukify build nginx failed');
    }
    const initrd = join(out, 'linux.cpio');
    const linux = linuxGuest(site, guestConf, initrd);

    const start: Record<Where, number[]> = { ukify: [], workers: [], linux: [], native: [] };
    const latency: Record<Where, number[]> = { ukify: [], workers: [], linux: [], native: [] };
    const throughput: Record<Where, number[]> = { ukify: [], workers: [], linux: [], native: [] };
    type Start = (port: number, round: number) => Promise<Server>;
    const servers: Array<[Where, Start]> = [
      ['ukify', (port) => startServer(port, 'node', [cli, 'run', image, '-p', `${port}:80`])],
      ['workers', (port) => startServer(port, 'node', [cli, 'run', workersImage, '-p', `${port}:80`])],
    ];
    if ('vmlinux' in linux) servers.push(['linux', (port) => startLinuxServer(port, linux.vmlinux, initrd)]);
    servers.push([
      'native',
      (port, round) => {
        const nativeConf = join(site, `native-${round}.conf`);
        writeFileSync(nativeConf, config(site, `127.0.0.1:${port}`));
        return startServer(port, nginx, ['-c', nativeConf, '-p', site, '-e', 'stderr']);
      },
    ]);
    for (let r = 0; r < rounds; r++) {
      for (const [where, startOne] of servers) {
        const s = await startOne(await freePort(), r);
        running = s;
        start[where].push(s.startMs);
        latency[where].push(await latencyUs(s.port, requests));
        throughput[where].push(median([await throughputMBs(s.port), await throughputMBs(s.port), await throughputMBs(s.port)]));
        await s.stop();
        running = undefined;
      }
    }
    const m = (xs: number[]): number | undefined => (xs.length === 0 ? undefined : median(xs));
    const row = (label: string, values: Record<Where, number[]>): TableRow => {
      const [u, w, l, n] = [m(values.ukify), m(values.workers), m(values.linux), m(values.native)];
      const cells = [u, w, l, n].map((v) => v?.toFixed(0) ?? '-');
      return { label, cells: [...cells, ratio(u, l), ratio(u, n), ratio(w, u)] };
    };
    // the worker's cost against one process: latency up, throughput down
    const lat = ratio(m(latency.workers), m(latency.ukify)), thr = ratio(m(throughput.ukify), m(throughput.workers));
    const within = [lat, thr].every((r) => Number.parseFloat(r) <= WORKERS_TARGET);
    const rows: TableRow[] = [
      row('start to first response (ms)', start),
      row(`GET / latency, keep-alive (us, median of ${requests})`, latency),
      row('GET /big.bin 4 MiB (MB/s)', throughput),
      ...('unavailable' in linux ? [{ label: 'Debian Linux guest', unavailable: linux.unavailable }] : []),
    ];
    process.stdout.write(
      `net: nginx static site, ${rounds} interleaved rounds; ukify run nginx.img -p and Debian's kernel with nginx in its initramfs ` +
        '(both QEMU microvm, TCG, user networking, virtio-net on virtio-mmio) vs native nginx on 127.0.0.1\n',
    );
    process.stdout.write(`${formatTable(['', 'ukify', 'ukify master+worker', 'linux guest', 'native', 'ukify/linux', 'ukify/native', 'master+worker/ukify'], rows)}\n`);
    process.stdout.write(
      `target: master+worker within ${Math.round((WORKERS_TARGET - 1) * 100)}% of one process: latency ${lat}, throughput ${thr} (one process/master+worker): ${within ? 'met' : 'not met'}\n`,
    );
  } finally {
    if (running !== undefined) await running.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
