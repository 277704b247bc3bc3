// Real Debian programs that make processes, under `ukify run`: busybox's sh (pipelines, command
// substitution, redirections, background jobs and their statuses, kill, traps, find and xargs),
// python3 (subprocess, os.fork and os.waitpid, os.pipe, multiprocessing), nginx as a daemon with a
// master and two workers (reload by SIGHUP, graceful stop by SIGQUIT, the VM running until the
// last process ends) and redis-server's BGSAVE in a forked child. Each is compared with the same
// program run natively, or, for nginx, with the files it serves and its documented behaviour.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../harness/free-port.js';
import { expectSameRun, ukifyRun as ukifyRunSync } from './helpers/guest.js';
import { runNative } from './helpers/native.js';
import { exitWithin, http, type Server, startServer, stopServer, ukifyRun, until } from '../harness/servers.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-proc-programs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A fresh empty folder under the test's work folder. */
const freshDir = (name: string): string => mkdtempSync(join(work, `${name}-`));

const busybox = '/bin/busybox';

describe("busybox sh (Debian's busybox-static) runs scripts as natively", () => {
  /** SCRIPT by busybox sh natively (in an empty folder) and in the VM (in /tmp): same stdout, stderr, status. */
  function sameAsNative(lines: string[]): ReturnType<typeof runNative> {
    const script = lines.join('\n');
    const native = runNative(busybox, ['sh', '-c', script], { cwd: freshDir('sh') });
    expectSameRun(ukifyRunSync([busybox, '-w', '/tmp', '--', 'sh', '-c', script], { cwd: work }), native);
    return native;
  }

  it('pipelines of two and three stages, nested command substitution, a reading loop at the end of a pipe', () => {
    const native = sameAsNative([
      'echo a b c | wc -w',
      `printf 'pear\\napple\\npear\\nfig\\napple\\npear\\n' | tr a-z A-Z | sort | uniq -c`,
      'echo "outer $(echo "inner $(echo deepest | tr d D)") $(echo $(echo x) $(echo y))"',
      `echo "$(seq 1 5 | tail -n 2 | tr '\\n' ' ')"`,
      `printf 'a\\nb c\\n' | while read l; do echo "<$l>"; done`,
      'echo hi | (read x; echo "read in a subshell: $x")',
      'yes | head -n 2',
      '',
    ]);
    expect(native.stdout).toBe(
      '3\n      2 APPLE\n      1 FIG\n      3 PEAR\nouter inner Deepest x y\n4 5 \n<a>\n<b c>\nread in a subshell: hi\ny\ny\n',
    );
    expect(native.status).toBe(0);
  });

  it('redirections: >, >>, <, 2>&1, 2>/dev/null, here-documents, a descriptor opened with exec', () => {
    const native = sameAsNative([
      'echo one > f.txt; echo two >> f.txt; wc -l < f.txt',
      'cat f.txt missing 2>&1 | sort',
      'cat missing 2>/dev/null || echo "cat failed: $?"',
      'cat <<EOF > here.txt',
      'x=$((6*7)) y=$(echo sub)',
      'literal \\$HOME',
      'EOF',
      'cat here.txt',
      `cat <<'EOF'`,
      'quoted $HOME $(not run)',
      'EOF',
      'exec 3>fd3.txt; echo via3 >&3; exec 3>&-; cat fd3.txt',
      '{ echo out; echo err >&2; } 2>&1 >/dev/null | tr a-z A-Z',
      '',
    ]);
    expect(native.stdout).toBe(
      [
        '2',
        "cat: can't open 'missing': No such file or directory",
        'one',
        'two',
        'cat failed: 1',
        'x=42 y=sub',
        'literal $HOME',
        'quoted $HOME $(not run)',
        'via3',
        'ERR',
        '',
      ].join('\n'),
    );
  });

  it('background jobs: wait and wait $pid statuses, $? of pipelines (also pipefail and SIGPIPE) and of (exit 3), kill of a job', () => {
    const native = sameAsNative([
      '(sleep 0.2; exit 5) & a=$!',
      '(exit 7) & b=$!',
      'wait $a; echo "wait a: $?"',
      'wait $b; echo "wait b: $?"',
      'true & false & wait; echo "wait all: $?"',
      'false | true; echo "false | true: $?"',
      'true | false; echo "true | false: $?"',
      'set -o pipefail; false | true; echo "pipefail: $?"',
      'yes | head -n 1 > /dev/null; echo "yes | head with pipefail: $?"; set +o pipefail',
      '(exit 3); echo "subshell: $?"',
      'sleep 30 & s=$!; kill $s; wait $s; echo "killed: $?"',
      // not SIGINT: a background job of a non-interactive shell ignores it once the child has run
      // far enough, so whether it ends the job depends on who runs first after fork
      'sleep 30 & s=$!; kill -HUP $s; wait $s; echo "hung up: $?"',
      'i=0; while [ $i -lt 20 ]; do (exit $i) & eval p$i=\\$!; i=$((i + 1)); done',
      'i=0; t=0; while [ $i -lt 20 ]; do eval wait \\$p$i; t=$((t + $?)); i=$((i + 1)); done; echo "sum of 20 statuses: $t"',
      '',
    ]);
    expect(native.stdout).toBe(
      [
        'wait a: 5',
        'wait b: 7',
        'wait all: 0',
        'false | true: 0',
        'true | false: 1',
        'pipefail: 1',
        'yes | head with pipefail: 141',
        'subshell: 3',
        'killed: 143',
        'hung up: 129',
        'sum of 20 statuses: 190',
        '',
      ].join('\n'),
    );
    expect(native.stderr).toBe('Terminated\nHangup\n');
  });

  it('subshells keep their cd and variables to themselves; trap on EXIT, and on a signal sent by a child', () => {
    const native = sameAsNative([
      'x=parent; here=$PWD; mkdir sub',
      '(x=child; cd sub; echo "inside: $x in ${PWD##*/}"); echo "outside: $x"; [ "$PWD" = "$here" ] && echo "same folder"',
      'v=1; echo "$(v=2; echo $v) $v"',
      `(trap 'echo trapped exit' EXIT; echo body; exit 4); echo "trap subshell: $?"`,
      `sh -c 'trap "echo inner trap" EXIT; exit 2'; echo "sh -c: $?"`,
      `trap 'echo got USR1' USR1; sh -c "kill -USR1 $$"; echo after; trap - USR1`,
      `trap 'echo bye' EXIT`,
      'exit 6',
      '',
    ]);
    expect(native.stdout).toBe(
      'inside: child in sub\noutside: parent\nsame folder\n2 1\nbody\ntrapped exit\ntrap subshell: 4\ninner trap\nsh -c: 2\ngot USR1\nafter\nbye\n',
    );
    expect(native.status).toBe(6);
  });

  it('find and xargs run applets: -name, -exec rm, xargs -n1, xargs -0 sh -c', () => {
    const native = sameAsNative([
      'mkdir -p d/e; touch d/1.txt d/e/3.log; echo 12345 > d/e/2.txt',
      `find d -name '*.txt' | sort`,
      'find d -type f | sort | xargs wc -c',
      `printf '1\\n2\\n3\\n' | xargs -n1 expr 10 +`,
      `find d -type f -print0 | xargs -0 -n1 sh -c 'echo "[$1]"' x | sort`,
      `find d -name '*.log' -exec rm {} \\;`,
      'find d -type f | sort | xargs echo',
      '',
    ]);
    expect(native.stdout).toBe(
      'd/1.txt\nd/e/2.txt\n        0 d/1.txt\n        6 d/e/2.txt\n        0 d/e/3.log\n        6 total\n11\n12\n13\n[d/1.txt]\n[d/e/2.txt]\n[d/e/3.log]\nd/1.txt d/e/2.txt\n',
    );
  });
});

describe("python3 (Debian's, dynamic) makes processes as natively", () => {
  it('subprocess.run (output, statuses, a missing program, a signal), Popen with pipes both ways, os.fork + os.waitpid, os.pipe, multiprocessing.Pool(2)', () => {
    const script = `
import multiprocessing, os, signal, subprocess

def square(x):
    return x * x

def main():
    r = subprocess.run(["/bin/echo", "hello", "from", "echo"], capture_output=True)
    print("echo:", r.returncode, r.stdout, r.stderr)
    r = subprocess.run(["/bin/false"])
    print("false:", r.returncode)
    r = subprocess.run(["/bin/sh", "-c", "echo out; echo err >&2; exit 3"], capture_output=True, text=True)
    print("sh:", r.returncode, repr(r.stdout), repr(r.stderr))
    r = subprocess.run(["/bin/sh", "-c", "kill -TERM $$"])
    print("killed:", r.returncode)
    try:
        subprocess.run(["/nonexistent/program"])
    except FileNotFoundError as e:
        print("missing:", e.errno, e.filename)
    p = subprocess.Popen(["/bin/cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    out, _ = p.communicate(b"through cat\\n" * 1000)
    print("cat:", p.returncode, len(out), out[:12])

    pid = os.fork()
    if pid == 0:
        os._exit(42)
    wpid, status = os.waitpid(pid, 0)
    print("fork:", wpid == pid, os.WIFEXITED(status), os.WEXITSTATUS(status))
    pid = os.fork()
    if pid == 0:
        os.kill(os.getpid(), signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    print("fork killed:", os.WIFSIGNALED(status), os.WTERMSIG(status))

    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        os.write(wfd, b"child of the parent: %d" % (os.getppid() == parent))
        os._exit(0)
    os.close(wfd)
    data = b""
    while chunk := os.read(rfd, 100):
        data += chunk
    os.waitpid(pid, 0)
    print("pipe:", data)

    with multiprocessing.Pool(2) as pool:
        print("pool:", pool.map(square, range(10)))
        pids = set(pool.map(_pid, range(8)))
        print("pool pids:", len(pids) <= 2 and os.getpid() not in pids)

def _pid(_):
    return os.getpid()

parent = os.getpid()
if __name__ == "__main__":
    main()
`;
    const dir = freshDir('python');
    writeFileSync(join(dir, 'procs.py'), script);
    const native = runNative('/usr/bin/python3', ['procs.py'], { cwd: dir });
    expect(native.stdout).toBe(
      [
        "echo: 0 b'hello from echo\\n' b''",
        'false: 1',
        "sh: 3 'out\\n' 'err\\n'",
        'killed: -15',
        'missing: 2 /nonexistent/program',
        "cat: 0 12000 b'through cat\\n'",
        'fork: True True 42',
        'fork killed: True 9',
        "pipe: b'child of the parent: 1'",
        'pool: [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]',
        'pool pids: True',
        '',
      ].join('\n'),
    );
    const programs = ['/bin/echo', '/bin/false', '/bin/cat'].flatMap((p) => ['--file', p]);
    const guest = ukifyRunSync(
      [
        '/usr/bin/python3',
        '-m',
        '256M',
        '--dir',
        '/usr/lib/python3.11',
        ...programs,
        '--file',
        '/bin/dash:/bin/sh', // the host's /bin/sh is dash, by a link
        '--file',
        `${join(dir, 'procs.py')}:/app/procs.py`,
        '-w',
        '/app',
        '--',
        'procs.py',
      ],
      { cwd: work },
    );
    expectSameRun(guest, native);
  });
});

/** Writes LINE to the guest's stdin (the server was started with a stdin pipe). */
function send(server: Server, line: string): void {
  if (server.proc.stdin === null) throw new Error('the server has no stdin pipe');
  server.proc.stdin.write(`${line}\n`);
}

/** Numbers in increasing order. */
const sorted = (xs: Iterable<number>): number[] => [...xs].sort((a, b) => a - b);

/** Polls an HTTP GET / until it answers 200 (the host side of -p accepts before the guest listens). */
const answers = (port: number) => async (): Promise<boolean> => (await http(port, 'GET', '/').catch(() => undefined))?.status === 200;

describe("nginx (Debian's) as a daemon: a master and two worker processes", () => {
  // Debian's /etc/nginx/nginx.conf, with two workers instead of auto and the default site inlined.
  const conf = [
    'user www-data;',
    'worker_processes 2;',
    'pid /run/nginx.pid;',
    'error_log /var/log/nginx/error.log;',
    'events {',
    '\tworker_connections 768;',
    '}',
    'http {',
    '\tsendfile on;',
    '\ttcp_nopush on;',
    '\ttypes_hash_max_size 2048;',
    '\tinclude /etc/nginx/mime.types;',
    '\tdefault_type application/octet-stream;',
    '\taccess_log /var/log/nginx/access.log;',
    '\tgzip on;',
    '\tserver {',
    '\t\tlisten 80 default_server;',
    '\t\troot /var/www/html;',
    '\t\tindex index.html;',
    '\t\tserver_name _;',
    '\t\tadd_header X-Worker-Pid $pid;',
    '\t\tlocation / {',
    '\t\t\ttry_files $uri $uri/ =404;',
    '\t\t}',
    '\t}',
    '}',
    '',
  ].join('\n');
  const index = `<!DOCTYPE html>\n<html><body><h1>Welcome to nginx in a ukify VM</h1>\n${'<p>served by a worker process</p>\n'.repeat(20)}</body></html>\n`;
  const json = '{"served": "by nginx"}\n';
  // The host's /etc/passwd goes into the image: www-data's uid there is the workers' uid.
  const wwwData = Number(/^www-data:[^:]*:(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'))?.[1]);
  // nginx logs its notices on stderr too (-g is read before the file, so stderr stays open when it daemonizes).
  const logToStderr = 'error_log stderr notice;';

  /** The options that put the config, Debian's mime.types, the users, the site and nginx's empty folders in the image. */
  function nginxFiles(): string[] {
    const dir = freshDir('nginx');
    writeFileSync(join(dir, 'nginx.conf'), conf);
    const html = join(dir, 'html');
    mkdirSync(html);
    writeFileSync(join(html, 'index.html'), index);
    writeFileSync(join(html, 'data.json'), json);
    const empty = (name: string): string => (mkdirSync(join(dir, name)), join(dir, name));
    return [
      ...['/etc/nginx/mime.types', '/etc/passwd', '/etc/group', `${join(dir, 'nginx.conf')}:/etc/nginx/nginx.conf`].flatMap((f) => ['--file', f]),
      ...[`${html}:/var/www/html`, `${empty('lib')}:/var/lib/nginx`, `${empty('log')}:/var/log/nginx`, `${empty('run')}:/run`].flatMap((d) => ['--dir', d]),
    ];
  }

  /** The site as nginx serves it: the files, a type from mime.types, gzip for text/html, a 404. */
  async function checkSite(port: number): Promise<void> {
    const page = await http(port, 'GET', '/');
    expect([page.status, page.headers['content-type'], page.body.toString()]).toEqual([200, 'text/html', index]);
    const data = await http(port, 'GET', '/data.json');
    expect([data.status, data.headers['content-type'], data.body.toString()]).toEqual([200, 'application/json', json]);
    const zipped = await http(port, 'GET', '/', { headers: { 'accept-encoding': 'gzip' } });
    expect([zipped.status, zipped.headers['content-encoding']]).toEqual([200, 'gzip']);
    expect(gunzipSync(zipped.body).toString()).toBe(index);
    expect((await http(port, 'GET', '/missing.html')).status).toBe(404);
  }

  /**
   * X-Worker-Pid of GET /, each request on its own connection, until two pids have answered (at most
   * 40 requests). Natively, and in Debian's kernel in the same QEMU with one vCPU, such requests
   * alternate between the two workers within a few requests.
   */
  async function servingPids(port: number): Promise<Set<number>> {
    const pids = new Set<number>();
    for (let i = 0; i < 40 && pids.size < 2; i++) {
      const r = await http(port, 'GET', '/');
      expect([r.status, r.body.toString()]).toEqual([200, index]);
      pids.add(Number(r.headers['x-worker-pid']));
    }
    return pids;
  }

  it('nginx as pid 1 daemonizes: pid 1 exits 0, the master starts 2 workers and both serve; SIGTERM to ukify run ends them all, status 0 (pid 1)', async () => {
    const port = await freePort();
    const guest = ukifyRun(['/usr/sbin/nginx', '-p', `${port}:80`, ...nginxFiles(), '--', '-g', logToStderr]);
    try {
      await until('nginx under ukify', answers(port), guest);
      await checkSite(port);
      // The master logs each worker it forks.
      const started = (): number[] => [...guest.stderr().matchAll(/: start worker process (\d+)\n/g)].map((m) => Number(m[1]));
      await until('two workers started', async () => started().length >= 2, guest);
      expect(sorted(await servingPids(port))).toEqual(sorted(started()));
    } finally {
      await stopServer(guest);
    }
    expect(await guest.exit, guest.stderr()).toBe(0);
    // How many processes pid 1 left behind depends on who ran first after its fork.
    expect(guest.stderr()).toMatch(/\nukify: pid 1 \(nginx\) exited with status 0; the VM runs until the other (1 process ends|[23] processes end)\n/);
    expect(guest.stderr()).toContain('ukify: stop requested: SIGTERM sent to 3 processes\n');
    expect(guest.stderr()).toMatch(/: signal 15 \(SIGTERM\) received(?: from \d+)?, exiting\n/);
    expect(guest.stderr()).toMatch(/\[notice\] \d+#\d+: exit\n/);
  });

  // pid 1 is busybox's sh: it starts nginx, then runs the commands the test writes on its stdin.
  const orchestrator = [
    `/usr/sbin/nginx -g '${logToStderr}'; echo "nginx: $?"`,
    'while read cmd; do',
    '  case $cmd in',
    '    ps) for p in $(pidof nginx); do',
    `          echo "proc $p $(awk '/^PPid:/ { pp = $2 } /^Uid:/ { u = $2 } END { print pp, u }' /proc/$p/status) $(stat -c %u /proc/$p) $(tr '\\0' ' ' < /proc/$p/cmdline)"`,
    '        done; echo "ps end";;',
    '    reload) kill -HUP $(cat /run/nginx.pid);;',
    '    quit) kill -QUIT $(cat /run/nginx.pid);;',
    '  esac',
    'done',
    'echo "no more commands"',
  ].join('\n');

  interface NginxProcess {
    pid: number;
    ppid: number;
    uid: number;
    /** The owner of /proc/PID (as Linux: the effective uid, nginx making its workers dumpable again after setuid). */
    owner: number;
    /** The title nginx gives itself: `nginx: master process ...`, `nginx: worker process`, `... is shutting down`. */
    title: string;
  }

  /** nginx's processes as the guest's /proc shows them (the orchestrator's `ps`). */
  async function nginxProcesses(guest: Server): Promise<NginxProcess[]> {
    const done = (): number => guest.stdout().split('ps end\n').length - 1;
    const before = done();
    send(guest, 'ps');
    await until('ps in the guest', async () => done() > before, guest);
    const listing = guest.stdout().split('ps end\n')[before];
    return [...listing.matchAll(/^proc (\d+) (\d+) (\d+) (\d+) (nginx: .*?) *$/gm)].map((m) => ({
      pid: Number(m[1]),
      ppid: Number(m[2]),
      uid: Number(m[3]),
      owner: Number(m[4]),
      title: m[5],
    }));
  }

  /**
   * Polls the guest's processes until nginx is one master and two workers that are not in `old`
   * (a worker just forked still has the master's title, an old one says it is shutting down);
   * then checks who is whose child and their users: the master a child of pid 1 as root, the workers
   * its children as www-data.
   */
  async function masterAndWorkers(guest: Server, old: number[] = []): Promise<{ master: number; workers: number[] }> {
    let all: NginxProcess[] = [];
    const workers = (): NginxProcess[] => all.filter((p) => p.title === 'nginx: worker process');
    const settled = async (): Promise<boolean> => {
      all = await nginxProcesses(guest);
      return all.length === 3 && workers().length === 2 && workers().every((w) => !old.includes(w.pid));
    };
    await until('nginx: a master and 2 new workers', settled, guest);
    const master = all.filter((p) => p.title.startsWith('nginx: master process'));
    expect(master.map((m) => [m.ppid, m.uid, m.owner])).toEqual([[1, 0, 0]]);
    for (const w of workers()) expect([w.ppid, w.uid, w.owner]).toEqual([master[0].pid, wwwData, wwwData]);
    return { master: master[0].pid, workers: sorted(workers().map((w) => w.pid)) };
  }

  it('under a shell as pid 1: the master (reparented to pid 1) runs 2 workers as www-data; SIGHUP starts new workers that serve; SIGQUIT stops nginx gracefully and the VM then stops by itself, status 0', async () => {
    const port = await freePort();
    const guest = ukifyRun([busybox, '-p', `${port}:80`, '--file', '/usr/sbin/nginx', ...nginxFiles(), '--', 'sh', '-c', orchestrator], { stdin: true });
    let master = 0;
    try {
      await until('nginx under ukify', answers(port), guest);
      const first = await masterAndWorkers(guest);
      master = first.master;
      expect(guest.stdout()).toMatch(/^nginx: 0\n/); // the nginx that sh started forked the master and exited 0
      expect(sorted(await servingPids(port))).toEqual(first.workers);

      // Reload: the master starts 2 new workers and the old ones finish.
      send(guest, 'reload');
      const now = await masterAndWorkers(guest, first.workers);
      expect(now.master).toBe(first.master);
      await checkSite(port);
      expect(sorted(await servingPids(port))).toEqual(now.workers);

      send(guest, 'quit');
      guest.proc.stdin?.end(); // the shell reads end of file and exits; nginx's master outlives it a little
      expect(await exitWithin(guest, 30_000), guest.stderr()).toBe(0);
    } finally {
      guest.proc.stdin?.end();
      await stopServer(guest);
    }
    expect(guest.stdout()).toMatch(/ps end\nno more commands\n$/);
    const log = guest.stderr();
    expect(log).toMatch(/: signal 1 \(SIGHUP\) received from 1, reconfiguring\n/);
    expect(log).toMatch(/: signal 3 \(SIGQUIT\) received from 1, shutting down\n/);
    expect(log.match(/: gracefully shutting down\n/g)).toHaveLength(4); // each worker, old and new
    expect(log.match(/: worker process \d+ exited with code 0\n/g)).toHaveLength(4);
    // the master's last word (the kernel's line on pid 1's end may come before or after it)
    expect(log).toMatch(new RegExp(`\\[notice\\] ${master}#${master}: exit\\n`));
    // Nothing worse than a notice, but for the master passing each new worker's channel to the
    // others: descriptor passing (SCM_RIGHTS) is not there yet (the catalog's note on sendmsg).
    const worse = log.split('\n').filter((l) => /\[(warn|error|crit|alert|emerg)\]/.test(l));
    expect(worse.filter((l) => !l.endsWith('sendmsg() failed (95: Operation not supported)'))).toEqual([]);
  });
});

describe("redis-server (Debian's) saves in a forked child as natively", () => {
  const execFileAsync = promisify(execFile);
  /** `redis-cli -p PORT ARGS...`: what it printed on stdout. */
  const redisCli = async (port: number, ...args: string[]): Promise<string> => (await execFileAsync('redis-cli', ['-p', String(port), ...args])).stdout;
  const redisConf = (port: number, bind: string, dir: string): string =>
    [`port ${port}`, `bind ${bind}`, 'protected-mode no', 'daemonize no', `dir ${dir}`, 'save ""', 'repl-diskless-sync-delay 0', ''].join('\n');

  /** The session of one run, its answers in order: writes, BGSAVE and its outcome, an RDB fetched over replication. */
  async function session(port: number, server: Server, rdbPath: string): Promise<string[]> {
    await until('redis-server', async () => (await redisCli(port, 'ping').catch(() => '')) === 'PONG\n', server);
    const out = [await redisCli(port, 'set', 'k', 'v'), await redisCli(port, 'rpush', 'list', 'a', 'b', 'c'), await redisCli(port, 'bgsave')];
    let persistence = '';
    await until('BGSAVE', async () => (persistence = await redisCli(port, 'info', 'persistence')).includes('rdb_bgsave_in_progress:0'), server);
    const fields = ['rdb_bgsave_in_progress', 'rdb_last_bgsave_status', 'rdb_changes_since_last_save', 'rdb_saves'];
    out.push(persistence.split('\r\n').filter((l) => fields.includes(l.split(':')[0])).join('\n'));
    out.push(await redisCli(port, 'dbsize'), await redisCli(port, 'lrange', 'list', '0', '-1'));
    // --rdb: a replica's SYNC, answered by a forked child writing the RDB into a pipe (diskless).
    await redisCli(port, '--rdb', rdbPath);
    const check = await execFileAsync('redis-check-rdb', [rdbPath]);
    out.push(check.stdout.split('\n').filter((l) => /Checksum|RDB looks OK|keys read|expires/.test(l)).map((l) => l.replace(/^\[offset \d+\] /, '')).join('\n'));
    out.push(await redisCli(port, 'shutdown', 'nosave'));
    expect(await exitWithin(server, 30_000), server.stderr()).toBe(0);
    return out;
  }

  it('SET, RPUSH, BGSAVE until INFO says it is done (rdb_last_bgsave_status:ok), redis-cli --rdb, SHUTDOWN NOSAVE: the answers of native redis-server, status 0', async () => {
    const dir = freshDir('redis');
    const nativePort = await freePort();
    writeFileSync(join(dir, 'native.conf'), redisConf(nativePort, '127.0.0.1', dir));
    const native = startServer('/usr/bin/redis-server', [join(dir, 'native.conf')]);
    let expected: string[];
    try {
      expected = await session(nativePort, native, join(dir, 'native.rdb'));
    } finally {
      await stopServer(native);
    }
    // The native answers, checked against what redis documents.
    expect(expected.slice(0, 3)).toEqual(['OK\n', '3\n', 'Background saving started\n']);
    expect(expected[3]).toBe('rdb_changes_since_last_save:0\nrdb_bgsave_in_progress:0\nrdb_last_bgsave_status:ok\nrdb_saves:1');
    expect(expected[6]).toContain('[info] 2 keys read');

    const data = freshDir('redis-data');
    writeFileSync(join(dir, 'guest.conf'), redisConf(6379, '0.0.0.0', '/data'));
    const port = await freePort();
    const guest = ukifyRun(['/usr/bin/redis-server', '-m', '256M', '-p', `${port}:6379`, '--file', `${join(dir, 'guest.conf')}:/etc/redis/redis.conf`, '--dir', `${data}:/data`, '--', '/etc/redis/redis.conf']);
    try {
      expect(await session(port, guest, join(dir, 'guest.rdb'))).toEqual(expected);
    } finally {
      await stopServer(guest);
    }
    expect(guest.stdout()).toMatch(/\* Background saving started by pid \d+\n/);
    expect(guest.stdout()).toContain('* Background saving terminated with success\n');
  });
});
