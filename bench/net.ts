// `npm run bench -- net [--requests N] [--rounds N]`: Debian's nginx serving a static site from an
// ukify image (QEMU user networking, `ukify run -p`) beside the same nginx running natively, with
// the same configuration and the same HTTP client, measured in interleaved rounds:
// 1. start to first response: `ukify run nginx.img` (image prebuilt) or the native nginx, from spawn
//    until a GET / answers 200;
// 2. latency of GET / (612 bytes) over one keep-alive connection, median of --requests per round;
// 3. throughput of GET /big.bin (4 MiB, sendfile) on fresh connections.
// The Linux guest is not in this table: Debian's kernel has virtio-net as a module, and its
// initramfs here has no module loading.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../fixtures/index.js';
import { formatTable, ratio, type TableRow } from './lib-table.js';
import { median } from './syscall.js';
import { freePort } from '../test/helpers/free-port.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const nginx = '/usr/sbin/nginx';
const bigSize = 4 << 20;

function option(args: string[], flag: string, fallback: number): number {
  const i = args.indexOf(flag);
  const n = i < 0 ? fallback : Number(args[i + 1]);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${flag} wants a positive whole number`);
  return n;
}

function config(site: string, listen: string): string {
  return [
    'master_process off;',
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
  proc: ChildProcess;
  startMs: number;
}

/** Spawns a server and waits for its first 200. */
async function startServer(port: number, command: string, args: string[]): Promise<Server> {
  const t0 = performance.now();
  const proc = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${command} ended: ${err.trim().split('\n').pop() ?? ''}`);
    if (performance.now() - t0 > 30_000) throw new Error(`${command}: no answer after 30 s`);
    if (await get(port, '/').then(() => true, () => false)) break;
    await new Promise((r) => setTimeout(r, 2));
  }
  return { port, proc, startMs: performance.now() - t0 };
}

async function stopServer(s: Server): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const ended = new Promise((done) => s.proc.on('exit', done));
  s.proc.kill('SIGTERM');
  await ended;
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

export async function run(args: string[]): Promise<void> {
  const requests = option(args, '--requests', 200);
  const rounds = option(args, '--rounds', 5);
  const site = mkdtempSync(join(tmpdir(), 'ukify-bench-net-'));
  const servers: Server[] = [];
  try {
    mkdirSync(join(site, 'html'));
    writeFileSync(join(site, 'html', 'index.html'), `<html><body>${'x'.repeat(612 - 26)}</body></html>`);
    writeFileSync(join(site, 'html', 'big.bin'), Buffer.alloc(bigSize, 0x42));
    const image = join(site, 'nginx.img');
    const guestConf = join(site, 'guest.conf');
    writeFileSync(guestConf, config(site, '80'));
    const build = spawn('node', [cli, 'build', nginx, '-o', image, '--dir', site, '--', '-c', guestConf, '-p', site], { stdio: 'ignore' });
    if ((await new Promise((done) => build.on('exit', done))) !== 0) throw new Error('ukify build nginx failed');

    const start: Record<'ukify' | 'native', number[]> = { ukify: [], native: [] };
    const latency: Record<'ukify' | 'native', number[]> = { ukify: [], native: [] };
    const throughput: Record<'ukify' | 'native', number[]> = { ukify: [], native: [] };
    for (let r = 0; r < rounds; r++) {
      const gp = await freePort();
      const guest = await startServer(gp, 'node', [cli, 'run', image, '-p', `${gp}:80`]);
      servers.push(guest);
      const np = await freePort();
      const nativeConf = join(site, `native-${r}.conf`);
      writeFileSync(nativeConf, config(site, `127.0.0.1:${np}`));
      const native = await startServer(np, nginx, ['-c', nativeConf, '-p', site, '-e', 'stderr']);
      servers.push(native);
      for (const [name, s] of [['ukify', guest], ['native', native]] as const) {
        start[name].push(s.startMs);
        latency[name].push(await latencyUs(s.port, requests));
        throughput[name].push(median([await throughputMBs(s.port), await throughputMBs(s.port), await throughputMBs(s.port)]));
      }
      await stopServer(guest);
      await stopServer(native);
    }
    const rows: TableRow[] = [
      { label: 'start to first response (ms)', cells: [median(start.ukify).toFixed(0), median(start.native).toFixed(0), ratio(median(start.ukify), median(start.native))] },
      { label: `GET / latency, keep-alive (us, median of ${requests})`, cells: [median(latency.ukify).toFixed(0), median(latency.native).toFixed(0), ratio(median(latency.ukify), median(latency.native))] },
      { label: 'GET /big.bin 4 MiB (MB/s)', cells: [median(throughput.ukify).toFixed(0), median(throughput.native).toFixed(0), ratio(median(throughput.ukify), median(throughput.native))] },
      { label: 'Debian Linux guest', unavailable: "its virtio-net driver is a module; the bench's initramfs loads none" },
    ];
    process.stdout.write(`net: nginx static site, ${rounds} interleaved rounds; ukify run nginx.img -p (TCG, QEMU user networking) vs native nginx on 127.0.0.1\n`);
    process.stdout.write(`${formatTable(['', 'ukify', 'native', 'ukify/native'], rows)}\n`);
  } finally {
    for (const s of servers) await stopServer(s);
    rmSync(site, { recursive: true, force: true });
  }
}
