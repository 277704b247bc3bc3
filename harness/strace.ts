// The syscalls a program makes when it runs on the host, seen by `strace -f`: the ground truth the
// static analysis must cover (recall) and is measured against (precision).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { freePort } from './free-port.js';

const numberOf = new Map([...loadCatalog().values()].map((e) => [e.name, e.nr]));

/**
 * Syscall numbers in an `strace -f -o` file. The first execve is strace starting the program. With
 * `binary`, only calls made while a process runs that file count: a process runs what its parent ran
 * when it forked it until it execs something else (a shell's children running other programs are
 * left out; `/proc/self/exe` is the file the process already runs).
 */
export function syscallsInTrace(file: string, binary?: string): Set<number> {
  const events = parseTrace(readFileSync(file, 'utf8'));
  const target = binary === undefined ? undefined : realPath(binary);
  const nrs = new Set<number>();
  const running = new Map<string, string | null>();
  let first = true;
  for (const e of events) {
    if (!running.has(e.pid)) running.set(e.pid, e.pid === events[0]?.pid ? null : (running.get(e.parent ?? '') ?? null));
    const now = running.get(e.pid) ?? null;
    if (e.child !== undefined && !running.has(e.child)) running.set(e.child, now);
    if (e.exec !== undefined) {
      if (first && e.name === 'execve') {
        first = false;
        running.set(e.pid, e.exec === '' ? null : realPath(e.exec));
        continue;
      }
      if (e.exec !== '') running.set(e.pid, e.exec === '/proc/self/exe' ? now : realPath(e.exec));
    }
    if (first && e.name === 'execve') {
      first = false;
      continue;
    }
    if (target !== undefined && now !== target) continue;
    // strace names numbers it does not know as syscall_0x1f4.
    const nr = e.name.startsWith('syscall_0x') ? Number.parseInt(e.name.slice(10), 16) : numberOf.get(e.name);
    if (nr === undefined) throw new Error(`strace printed a syscall the catalog does not name: ${e.name}`);
    nrs.add(nr);
  }
  return nrs;
}

interface TraceEvent {
  pid: string;
  name: string;
  /** A process this call created (clone, fork, vfork, clone3 returning its pid). */
  child?: string;
  /** The parent that created this pid, when known by the time its first line comes. */
  parent?: string;
  /** The file a successful execve or execveat started ('' when the path is not known). */
  exec?: string;
}

function parseTrace(text: string): TraceEvent[] {
  const events: TraceEvent[] = [];
  const execPath = new Map<string, string>();
  const parentOf = new Map<string, string>();
  const lines = text.split('\n');
  // Children's first lines can come before their parent's clone returns: learn the parents first.
  for (const line of lines) {
    const m = /^(\d+)\s+(?:<\.\.\. (clone3?|fork|vfork) resumed>|(clone3?|fork|vfork)\().*\) = (\d+)/.exec(line);
    if (m !== null && !parentOf.has(m[4])) parentOf.set(m[4], m[1]);
  }
  for (const line of lines) {
    const m = /^(?:(\d+)\s+)?(?:<\.\.\. ([a-z0-9_]+) resumed>|([a-z0-9_]+)\()/.exec(line);
    if (m === null) continue;
    const pid = m[1] ?? '0';
    const name = m[2] ?? m[3];
    const e: TraceEvent = { pid, name, parent: parentOf.get(pid) };
    if (name === 'execve' || name === 'execveat') {
      if (m[3] !== undefined) {
        const p = name === 'execve' ? /^[^(]*\("((?:[^"\\]|\\.)*)"/.exec(line) : /^[^(]*\([^,]*, "((?:[^"\\]|\\.)*)"/.exec(line);
        execPath.set(pid, p?.[1] ?? '');
      }
      if (/\) = 0$/.test(line) || / = 0$/.test(line)) e.exec = execPath.get(pid) ?? '';
    }
    const c = /^(clone3?|fork|vfork)$/.test(name) ? / = (\d+)$/.exec(line) : null;
    if (c !== null) e.child = c[1];
    events.push(e);
  }
  return events;
}

function realPath(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** Runs argv to its end under strace in `work`: its exit status and the syscalls it made (only those of processes running `binary`, when given). */
export function traceRun(work: string, argv: string[], binary?: string): { status: number | null; syscalls: Set<number> } {
  const out = join(work, `trace-${process.hrtime.bigint()}`);
  const env = { PATH: '/usr/bin:/bin', HOME: work, TMPDIR: work };
  const r = spawnSync('strace', ['-f', '-qq', '-o', out, ...argv], { cwd: work, stdio: 'ignore', timeout: 60_000, env });
  return { status: r.status, syscalls: syscallsInTrace(out, binary) };
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
