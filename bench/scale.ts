// `npm run bench -- scale [--seconds N] [--rounds N] [--fds N] [--no-linux] [--no-levels] [--no-memory] [--no-fds]`:
// thousands of connections (issue 11, part 2), measured as a user would measure them.
//
// 1. Debian's nginx with Debian's own /etc/nginx/nginx.conf, changed as on Linux for many
//    connections, in two ways:
//      debian: `worker_connections 4096;` (Debian: 768) and `worker_rlimit_nofile 8192;` (the soft
//              RLIMIT_NOFILE is 1024, as on Linux), nothing else;
//      burst:  also `multi_accept on;` and `listen 80 default_server backlog=4096;` in the default
//              site, for clients that open their connections all at once (wrk does): nginx's
//              listen backlog is 511, and with multi_accept off it takes one new connection per
//              pass of its event loop.
//    Built with `ukify build /usr/sbin/nginx --file nginx.conf:/etc/nginx/nginx.conf` (and the site
//    file) and started with `ukify run nginx.img -p PORT:80`: a daemon, a master and its worker
//    (worker_processes auto: one CPU), as Debian runs it, access log and all. wrk (2 threads,
//    keep-alive, its default 2 s timeout) holds 16, 1000 and 2000 connections for --seconds each
//    against the default site's page. Targets: 0 errors at -c 2000; the rate at -c 1000 at least
//    80% of the rate at -c 16.
//    The same in Debian's Linux 6.1 booted in the same QEMU machine with the same user networking
//    (bench/linux-guest/: nginx, the same files and the host's /etc/passwd and group in its
//    initramfs, `-g 'daemon off;'` since the guest's init waits for its program).
// 2. Memory: a fresh server of each kind gets wrk -c 1000 in 2 s runs, 10 s ones once past 20,000
//    requests; the QEMU process's resident size (VmRSS) is read once 20,000 requests are done and
//    again past 200,000, with its split from /proc/PID/smaps: the guest's RAM (the mapping of -m's
//    size; QEMU backs it with 2 MiB pages, so it moves in 2 MiB steps) and the rest of QEMU (its
//    heap, where user networking keeps its sockets' buffers, TCG's code...). Target (ukify): the
//    whole within 5%. The access log goes to the guest's RAM (/var/log/nginx in the ramfs, tmpfs
//    in Linux) and grows by some 90 bytes a request: this part runs with `access_log off;` so that
//    what is measured is the system, not a log file held in memory (a volume, -v, keeps logs).
// 3. Readiness inside the guest, the scale fixture natively and under ukify: epoll_wait and poll
//    (timeout 0) with one ready eventfd among 10 and among --fds (a wait should cost what is ready,
//    not what is watched; poll must look at every descriptor), and one byte there and back over
//    each of 16 and of 2000 TCP connections over 127.0.0.1 in turn (finding a segment's
//    connection should not cost the number of connections).
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir, repoRoot } from '../fixtures/index.js';
import { freePort } from '../harness/free-port.js';
import { stopServer, ukifyRun, until } from '../harness/servers.js';
import { wrk, wrkErrors, type WrkRun } from '../harness/wrk.js';
import { numberFlags } from './lib-args.js';
import { LinuxGuestError, makeInitramfs, prepareLinuxGuest, startLinux, type GuestDir, type GuestFile } from './lib-linux-guest.js';
import { formatTable, median, ratio, type TableRow } from './lib-table.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const nginx = '/usr/sbin/nginx';
const levels = [16, 1000, 2000] as const;
const RATE_TARGET = 0.8;
const RSS_TARGET = 0.05;
const RSS_FIRST = 20_000;
const RSS_LAST = 200_000;

type ConfigName = 'debian' | 'burst';

/** Debian's nginx.conf with what a user changes for thousands of connections; `burst` adds
 * multi_accept; `accessLog` false turns the access log off. Throws when the file is not Debian 12's. */
export function scaleConfig(debian: string, o: { burst?: boolean; accessLog?: boolean } = {}): string {
  if (!/worker_connections 768;/.test(debian) || !/^worker_processes auto;$/m.test(debian) || !/# multi_accept on;/.test(debian)) {
    throw new Error("/etc/nginx/nginx.conf is not Debian 12's (worker_connections 768, worker_processes auto, # multi_accept on)");
  }
  let conf = debian.replace('worker_connections 768;', 'worker_connections 4096;').replace(/^worker_processes auto;$/m, 'worker_processes auto;\nworker_rlimit_nofile 8192;');
  if (o.burst) conf = conf.replace('# multi_accept on;', 'multi_accept on;');
  if (o.accessLog === false) conf = conf.replace(/^\s*access_log [^;]*;$/m, '\taccess_log off;');
  return conf;
}

/** Debian's default site with a listen backlog of 4096 (Linux's net.core.somaxconn) on port 80. */
export function burstSite(site: string): string {
  if (!/^\s*listen 80 default_server;$/m.test(site)) throw new Error("/etc/nginx/sites-available/default is not Debian 12's (listen 80 default_server;)");
  return site.replace(/^(\s*)listen 80 default_server;$/m, '$1listen 80 default_server backlog=4096;');
}

interface Server {
  port: number;
  /** The QEMU process's resident size now: all of it and the guest RAM mapping's part, bytes. */
  rss(): { total: number; guest: number };
  stop(): Promise<void>;
}

/** The pid of the QEMU process forwarding host port `port` (its -netdev names the port). */
function qemuPid(port: number): number | undefined {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1');
      if (/(^|\/)qemu-system/.test(cmdline) && cmdline.includes(`hostfwd=tcp:127.0.0.1:${port}-:80`)) return Number(name);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}

/** VmRSS, and the Rss of the mapping as large as the guest's RAM (QEMU's -m, in MiB). */
function rssOf(pid: number | undefined): { total: number; guest: number } {
  if (pid === undefined) return { total: Number.NaN, guest: Number.NaN };
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  const args = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0');
  const mib = Number(/^(\d+)M?$/.exec(args[args.indexOf('-m') + 1] ?? '')?.[1]);
  let guest = Number.NaN;
  let size = -1;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const range = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
    if (range !== null) size = (Number.parseInt(range[2] as string, 16) - Number.parseInt(range[1] as string, 16)) / 1024;
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss !== null && size === mib * 1024) guest = Number(rss[1]) * 1024;
  }
  return { total: m === null ? Number.NaN : Number(m[1]) * 1024, guest };
}

async function answers(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function startUkify(image: string): Promise<Server> {
  const port = await freePort();
  const server = ukifyRun([image, '-p', `${port}:80`]);
  try {
    await until('ukify run nginx.img', () => answers(port), server);
  } catch (error) {
    await stopServer(server);
    throw error;
  }
  const pid = qemuPid(port);
  return { port, rss: () => rssOf(pid), stop: () => stopServer(server) };
}

async function startLinuxServer(guest: { vmlinux: string; initrd: string }): Promise<Server> {
  const port = await freePort();
  const forwards = [{ address: '127.0.0.1', hostPort: port, guestPort: 80, protocol: 'tcp' as const, source: 'bench scale' }];
  const vm = await startLinux({ vmlinux: guest.vmlinux, initrd: guest.initrd, network: { forwards }, timeoutMs: 60_000 });
  try {
    await until('the Linux guest', () => answers(port), () => !vm.running());
  } catch (error) {
    await vm.stop();
    throw error;
  }
  const pid = qemuPid(port);
  return { port, rss: () => rssOf(pid), stop: () => vm.stop() };
}

type Where = 'ukify' | 'linux';
type Start = () => Promise<Server>;
type Guest = { vmlinux: string; initrd: string } | { unavailable: string };

async function withServer<T>(start: Start, body: (s: Server) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

/** wrk at each level on one server, after one second of warm-up. */
async function levelsOn(server: Server, seconds: number): Promise<WrkRun[]> {
  const url = `http://127.0.0.1:${server.port}/`;
  await wrk(url, { connections: 16, seconds: 1 });
  const runs: WrkRun[] = [];
  for (const c of levels) runs.push(await wrk(url, { connections: c, seconds }));
  return runs;
}

interface MemoryPoint {
  requests: number;
  total: number;
  guest: number;
}

async function memoryOn(server: Server): Promise<{ first: MemoryPoint; last: MemoryPoint; errors: number }> {
  const url = `http://127.0.0.1:${server.port}/`;
  let requests = 0, errors = 0;
  let first: MemoryPoint | undefined;
  while (requests < RSS_LAST) {
    const run = await wrk(url, { connections: 1000, seconds: first === undefined ? 2 : 10 });
    if (!(run.requests > 0)) throw new Error(`wrk made no requests after ${requests}: ${run.text.trim().split('\n').pop() ?? ''}`);
    requests += run.requests;
    errors += wrkErrors(run);
    if (first === undefined && requests >= RSS_FIRST) first = { requests, ...server.rss() };
  }
  return { first: first as MemoryPoint, last: { requests, ...server.rss() }, errors };
}

/** The Linux guest's kernel and an initramfs with nginx, the conf and site given, or why there is none. */
function linuxGuest(root: string, conf: string, site?: string): Guest {
  try {
    const kernel = prepareLinuxGuest();
    mkdirSync(root, { recursive: true });
    const etc = join(root, 'etc-nginx');
    spawnSync('cp', ['-a', '/etc/nginx/.', etc]);
    copyFileSync(conf, join(etc, 'nginx.conf'));
    if (site !== undefined) {
      rmSync(join(etc, 'sites-enabled', 'default'), { force: true });
      copyFileSync(site, join(etc, 'sites-enabled', 'default'));
    }
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    const extras: (GuestDir | GuestFile)[] = [
      { host: etc, guest: '/etc/nginx' },
      { host: '/var/www/html', guest: '/var/www/html' },
      ...['/var/log/nginx', '/var/lib/nginx', '/run'].map((guest) => ({ host: empty, guest })),
      { file: '/etc/passwd', guest: '/etc/passwd' },
      { file: '/etc/group', guest: '/etc/group' },
    ];
    const initrd = join(root, 'linux.cpio');
    makeInitramfs(nginx, ['-g', 'daemon off;'], initrd, extras, { modules: kernel.modules });
    return { vmlinux: kernel.vmlinux, initrd };
  } catch (error) {
    if (error instanceof LinuxGuestError) return { unavailable: error.message };
    throw error;
  }
}

async function buildImage(image: string, conf: string, site?: string): Promise<void> {
  const files = ['--file', `${conf}:/etc/nginx/nginx.conf`, ...(site === undefined ? [] : ['--file', `${site}:/etc/nginx/sites-available/default`])];
  const build = spawn('node', [cli, 'build', nginx, '-o', image, ...files], { stdio: ['ignore', 'ignore', 'inherit'] });
  if ((await new Promise((done) => build.on('exit', done))) !== 0) throw new Error('ukify build nginx failed');
}

const mib = (bytes: number): string => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : '-');
const pct = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${((a / b - 1) * 100).toFixed(1)}%` : '-');

interface Setup {
  name: ConfigName;
  label: string;
  image: string;
  linux: Guest;
}

/** Part 1: wrk at 16, 1000 and 2000 connections, rounds interleaved over the setups and systems. */
async function levelsPart(o: { seconds: number; rounds: number }, setups: Setup[]): Promise<void> {
  const results = new Map<string, WrkRun[][]>();
  const plan: Array<[string, Start]> = [];
  for (const s of setups) {
    plan.push([`${s.name}/ukify`, () => startUkify(s.image)]);
    const guest = s.linux;
    if ('vmlinux' in guest) plan.push([`${s.name}/linux`, () => startLinuxServer(guest)]);
  }
  for (let r = 0; r < o.rounds; r++) {
    for (const [key, start] of plan) {
      const runs = await withServer(start, (s) => levelsOn(s, o.seconds));
      results.set(key, [...(results.get(key) ?? []), runs]);
      process.stderr.write(`scale: round ${r + 1} ${key}: ${runs.map((w, i) => `-c ${levels[i]} ${w.rps.toFixed(0)}/s ${wrkErrors(w)} errors`).join(', ')}\n`);
    }
  }
  const rate = (key: string, i: number): number | undefined => {
    const rs = results.get(key);
    return rs === undefined ? undefined : median(rs.map((runs) => runs[i]?.rps ?? Number.NaN));
  };
  const errs = (key: string, i: number): number | undefined => results.get(key)?.reduce((sum, runs) => sum + wrkErrors(runs[i] as WrkRun), 0);
  const kept = (key: string): number | undefined => {
    const rs = results.get(key);
    return rs === undefined ? undefined : median(rs.map((runs) => (runs[1]?.rps ?? 0) / (runs[0]?.rps ?? 1)));
  };
  process.stdout.write(
    `scale: Debian's nginx, wrk -t 2 (keep-alive, 2 s timeout) for ${o.seconds} s per level, ${o.rounds} rounds; ` +
      "ukify run nginx.img -p and Debian's Linux 6.1, both QEMU microvm, TCG, user networking\n",
  );
  for (const s of setups) {
    const u = `${s.name}/ukify`, l = `${s.name}/linux`;
    const rows: TableRow[] = [];
    levels.forEach((c, i) => {
      rows.push({ label: `-c ${c}: requests/s (median)`, cells: [rate(u, i)?.toFixed(0) ?? '-', rate(l, i)?.toFixed(0) ?? '-', ratio(rate(u, i), rate(l, i))] });
      rows.push({ label: `-c ${c}: errors (all rounds)`, cells: [String(errs(u, i) ?? '-'), String(errs(l, i) ?? '-'), ''] });
    });
    rows.push({ label: 'rate at -c 1000 / at -c 16 (median)', cells: [kept(u)?.toFixed(2) ?? '-', kept(l)?.toFixed(2) ?? '-', ''] });
    if ('unavailable' in s.linux) rows.push({ label: 'Debian Linux guest', unavailable: s.linux.unavailable });
    process.stdout.write(`\n${s.label}\n${formatTable(['', 'ukify', 'linux guest', 'ukify/linux'], rows)}\n`);
    const e2000 = errs(u, 2) ?? Number.NaN, k = kept(u) ?? 0;
    process.stdout.write(`target (${s.name}): 0 errors at -c 2000: ${e2000} (${e2000 === 0 ? 'met' : 'not met'}); `);
    process.stdout.write(`rate at -c 1000 >= ${RATE_TARGET} x rate at -c 16: ${k.toFixed(2)} (${k >= RATE_TARGET ? 'met' : 'not met'})\n`);
  }
}

/** Part 2: QEMU's resident size after 20,000 and after 200,000 requests. */
async function memoryPart(image: string, linux: Guest): Promise<void> {
  const plan: Array<[string, Start]> = [['ukify', () => startUkify(image)]];
  if ('vmlinux' in linux) plan.push(['linux guest', () => startLinuxServer(linux)]);
  const rows: TableRow[] = [];
  let growth = Number.NaN;
  for (const [label, start] of plan) {
    // the Linux guest's nginx has stalled under wrk -c 1000 in this part (with and without the
    // preloaded library): it is then reported, and ukify's figures still are
    const m = await withServer(start, memoryOn).catch((error: Error) => {
      if (label === 'ukify') throw error;
      rows.push({ label, unavailable: error.message });
      return undefined;
    });
    if (m === undefined) continue;
    if (label === 'ukify') growth = m.last.total / m.first.total - 1;
    const rest = (p: MemoryPoint): number => p.total - p.guest;
    rows.push({
      label,
      cells: [
        `${m.first.requests} / ${m.last.requests}`,
        `${mib(m.first.total)} -> ${mib(m.last.total)}`, pct(m.last.total, m.first.total),
        `${mib(m.first.guest)} -> ${mib(m.last.guest)}`, pct(m.last.guest, m.first.guest),
        `${mib(rest(m.first))} -> ${mib(rest(m.last))}`, `${((rest(m.last) - rest(m.first)) / (m.last.requests - m.first.requests)).toFixed(0)} B`,
        String(m.errors),
      ],
    });
  }
  if ('unavailable' in linux) rows.push({ label: 'Debian Linux guest', unavailable: linux.unavailable });
  process.stdout.write(`\nmemory: QEMU's resident size under wrk -c 1000, access_log off, burst setup\n`);
  process.stdout.write(
    `${formatTable(['', 'requests', 'QEMU RSS', 'growth', 'of it guest RAM', 'growth', 'of it the rest of QEMU', 'per request', 'errors'], rows)}\n`,
  );
  process.stdout.write(`target: RSS after ${RSS_LAST} requests within ${RSS_TARGET * 100}% of after ${RSS_FIRST}: ${(growth * 100).toFixed(1)}% (${Math.abs(growth) <= RSS_TARGET ? 'met' : 'not met'})\n`);
}

/** Part 3: the scale fixture's ns per call or per round trip, natively and under ukify. */
function readinessPart(fds: number): void {
  const program = join(fixturesDir, 'scale.glibc-static');
  const runs: Array<[string, string[]]> = [['bench', [String(fds)]], ['pingpong', ['16']], ['pingpong', ['2000']]];
  const values: Record<'native' | 'ukify', Record<string, number>> = { native: {}, ukify: {} };
  for (const [mode, args] of runs) {
    for (const where of ['native', 'ukify'] as const) {
      const r = where === 'native'
        ? spawnSync(program, [mode, ...args], { encoding: 'utf8', timeout: 300_000 })
        : spawnSync('node', [cli, 'run', program, '--', mode, ...args], { encoding: 'utf8', timeout: 600_000 });
      if (r.status !== 0) {
        process.stdout.write(`\nreadiness: not available (${where} scale ${mode}: ${r.error?.message ?? r.stderr.trim().split('\n').pop() ?? ''}; make -C fixtures)\n`);
        return;
      }
      for (const m of r.stdout.matchAll(/^(\w+) (?:fds|conns)=(\d+) ns_per_(?:call|trip)=(\d+)$/gm)) values[where][`${m[1]}/${m[2]}`] = Number(m[3]);
    }
  }
  const rows: TableRow[] = [
    ['epoll_wait, 1 ready of N (ns per call)', 'epoll', 10, fds],
    ['poll, 1 ready of N (ns per call)', 'poll', 10, fds],
    ['1 byte there and back over each of N connections (ns)', 'pingpong', 16, 2000],
  ].map(([label, mode, a, b]) => {
    const v = (where: 'native' | 'ukify', n: number | string): number | undefined => values[where][`${mode}/${n}`];
    return {
      label: `${label}`,
      cells: [String(v('native', a) ?? '-'), String(v('native', b) ?? '-'), ratio(v('native', b), v('native', a)), String(v('ukify', a) ?? '-'), String(v('ukify', b) ?? '-'), ratio(v('ukify', b), v('ukify', a))],
    };
  });
  process.stdout.write(`\nreadiness and connection lookup in the guest (scale fixture; N: ${fds} descriptors, 16 and 2000 connections)\n`);
  process.stdout.write(`${formatTable(['', 'native small N', 'native large N', 'ratio', 'ukify small N', 'ukify large N', 'ratio'], rows)}\n`);
}

export async function run(args: string[]): Promise<void> {
  const switches = ['--no-linux', '--no-memory', '--no-fds', '--no-levels'];
  const on = (name: string): boolean => !args.includes(`--no-${name}`);
  const o = numberFlags(args.filter((a) => !switches.includes(a)), { seconds: 10, rounds: 3, fds: 10000 });
  const root = mkdtempSync(join(tmpdir(), 'ukify-bench-scale-'));
  try {
    const debian = readFileSync('/etc/nginx/nginx.conf', 'utf8');
    const site = join(root, 'site-default');
    writeFileSync(site, burstSite(readFileSync('/etc/nginx/sites-available/default', 'utf8')));
    const confs = {
      debian: join(root, 'debian.conf'),
      burst: join(root, 'burst.conf'),
      quiet: join(root, 'burst-no-access-log.conf'),
    };
    writeFileSync(confs.debian, scaleConfig(debian));
    writeFileSync(confs.burst, scaleConfig(debian, { burst: true }));
    writeFileSync(confs.quiet, scaleConfig(debian, { burst: true, accessLog: false }));
    const guest = (name: string, conf: string, withSite: boolean): Guest =>
      on('linux') ? linuxGuest(join(root, name), conf, withSite ? site : undefined) : { unavailable: 'left out (--no-linux)' };
    if (on('levels')) {
      const setups: Setup[] = [
        { name: 'debian', label: "debian: Debian's nginx.conf with worker_connections 4096, worker_rlimit_nofile 8192", image: join(root, 'debian.img'), linux: guest('debian', confs.debian, false) },
        { name: 'burst', label: 'burst: the same with multi_accept on and listen 80 default_server backlog=4096', image: join(root, 'burst.img'), linux: guest('burst', confs.burst, true) },
      ];
      await buildImage(setups[0]!.image, confs.debian);
      await buildImage(setups[1]!.image, confs.burst, site);
      await levelsPart(o, setups);
    }
    if (on('memory')) {
      const image = join(root, 'quiet.img');
      await buildImage(image, confs.quiet, site);
      await memoryPart(image, guest('quiet', confs.quiet, true));
    }
    if (on('fds')) readinessPart(o.fds);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
