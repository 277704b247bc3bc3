// The syscalls a program makes when it runs on the host, seen by `strace -f`: the ground truth the
// static analysis must cover (recall) and is measured against (precision).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { freePort } from './free-port.js';

const numberOf = new Map([...loadCatalog().values()].map((e) => [e.name, e.nr]));

/** Syscall numbers in an `strace -f -o` file. The first execve is strace starting the program. */
export function syscallsInTrace(file: string): Set<number> {
  const names: string[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(?:\d+\s+)?(?:<\.\.\. ([a-z0-9_]+) resumed>|([a-z0-9_]+)\()/.exec(line);
    if (m !== null) names.push(m[1] ?? m[2]);
  }
  const first = names.indexOf('execve');
  if (first >= 0) names.splice(first, 1);
  const nrs = new Set<number>();
  for (const n of names) {
    // strace names numbers it does not know as syscall_0x1f4.
    const nr = n.startsWith('syscall_0x') ? Number.parseInt(n.slice(10), 16) : numberOf.get(n);
    if (nr === undefined) throw new Error(`strace printed a syscall the catalog does not name: ${n}`);
    nrs.add(nr);
  }
  return nrs;
}

/** Runs argv to its end under strace in `work`: its exit status and the syscalls it made. */
export function traceRun(work: string, argv: string[]): { status: number | null; syscalls: Set<number> } {
  const out = join(work, `trace-${process.hrtime.bigint()}`);
  const env = { PATH: '/usr/bin:/bin', HOME: work, TMPDIR: work };
  const r = spawnSync('strace', ['-f', '-qq', '-o', out, ...argv], { cwd: work, stdio: 'ignore', timeout: 60_000, env });
  return { status: r.status, syscalls: syscallsInTrace(out) };
}

/** What traceNginxServing does, for reports. */
export const nginxWorkload =
  "nginx with Debian's default http settings (master + 2 workers, sendfile, tcp_nopush, gzip, access log) serving " +
  'a page, a 1 MB file, a 404, a HEAD and two keep-alive requests, then a reload (SIGHUP), one more request and a graceful stop (SIGQUIT)';

/** Runs /usr/sbin/nginx under strace through the life of a small web server: start, serve, reload, stop (see nginxWorkload). */
export async function traceNginxServing(): Promise<Set<number>> {
  // Its own folder, readable by all: run as root, nginx's workers switch to nobody and read the docroot.
  const work = mkdtempSync(join(tmpdir(), 'ukify-nginx-trace-'));
  try {
    return await serveUnderStrace(work);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function serveUnderStrace(work: string): Promise<Set<number>> {
  const port = await freePort();
  const html = join(work, 'html');
  const log = join(work, 'error.log');
  mkdirSync(html);
  writeFileSync(join(html, 'index.html'), `<html><body>${'hello '.repeat(200)}</body></html>\n`);
  writeFileSync(join(html, 'big.bin'), Buffer.alloc(1 << 20, 7));
  const mime = existsSync('/etc/nginx/mime.types') ? 'include mime.types;' : '';
  if (mime !== '') copyFileSync('/etc/nginx/mime.types', join(work, 'mime.types'));
  writeFileSync(
    join(work, 'nginx.conf'),
    [
      'worker_processes 2;',
      'daemon off;',
      `pid ${work}/nginx.pid;`,
      `error_log ${log} notice;`,
      'events { worker_connections 768; }',
      'http {',
      '  sendfile on; tcp_nopush on; gzip on; types_hash_max_size 2048;',
      `  ${mime} default_type application/octet-stream;`,
      `  access_log ${work}/access.log;`,
      `  server { listen 127.0.0.1:${port}; root ${html}; }`,
      '}',
      '',
    ].join('\n'),
  );
  for (const p of [work, html, join(html, 'index.html'), join(html, 'big.bin')]) chmodSync(p, 0o755);

  const out = join(work, 'trace');
  const args = ['-f', '-qq', '-o', out, '/usr/sbin/nginx', '-p', work, '-c', join(work, 'nginx.conf'), '-e', log];
  // Its own process group: a failure kills strace, nginx's master and its workers together.
  const strace = spawn('strace', args, { cwd: work, stdio: 'ignore', env: { PATH: '/usr/bin:/bin', HOME: work }, detached: true });
  const ended = new Promise<void>((done) => strace.on('exit', () => done()));
  const killer = setTimeout(() => killGroup(strace), 30_000);
  try {
    await until(() => countIn(log, 'start worker processes') >= 1, 'nginx to start');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    await get(port, 'GET', '/', 200);
    await get(port, 'GET', '/', 200, { 'accept-encoding': 'gzip' });
    await get(port, 'GET', '/big.bin', 200);
    await get(port, 'GET', '/missing', 404);
    await get(port, 'HEAD', '/', 200);
    await get(port, 'GET', '/', 200, {}, agent);
    await get(port, 'GET', '/', 200, {}, agent);
    agent.destroy();
    const master = Number(readFileSync(join(work, 'nginx.pid'), 'utf8'));
    process.kill(master, 'SIGHUP');
    await until(() => countIn(log, 'start worker processes') >= 2, 'nginx to reload');
    await get(port, 'GET', '/', 200);
    process.kill(master, 'SIGQUIT');
    await ended;
  } finally {
    clearTimeout(killer);
    killGroup(strace);
  }
  return syscallsInTrace(out);
}

/** SIGKILL to what is left of p's process group (nothing after a clean stop). */
function killGroup(p: ChildProcess): void {
  try {
    if (p.pid !== undefined) process.kill(-p.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

function countIn(file: string, text: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split(text).length - 1 : 0;
}

async function until(ready: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !ready(); waited += 50) {
    if (waited > 20_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One HTTP request; rejects unless the status is the one expected. The body is read and dropped. */
function get(port: number, method: string, path: string, status: number, headers: Record<string, string> = {}, agent?: Agent): Promise<void> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: agent ?? false }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === status ? done() : fail(new Error(`${method} ${path}: status ${res.statusCode}, expected ${status}`))));
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer`)));
    req.on('error', fail);
    req.end();
  });
}
