// Debian's programs under `ukify run PROGRAM` (or `ukify PROGRAM` then `ukify run IMAGE`) with no
// flags beyond the program's own arguments: static discovery puts what they need into the image.
// Each is compared with the same program run natively (empty environment), or, for nginx, with the
// page on disk it serves.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { freePort } from '../harness/free-port.js';
import { expectSameRun, ukifyRun } from './helpers/guest.js';
import { runNative } from './helpers/native.js';
import { http, stopServer, ukifyRun as ukifyServe, until } from '../harness/servers.js';

const cli = resolve('dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'ukify-discover-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[]) => ukifyRun(args, { cwd: work });
const ukify = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8', timeout: 300_000 });

describe('interpreters run with their own trees, found statically', () => {
  it('python3 -c importing json, ssl, sqlite3 and zoneinfo', () => {
    const script = 'import json, ssl, sqlite3, zoneinfo, datetime, time\nprint(json.dumps({"a": [1, 2]}), ssl.OPENSSL_VERSION.split()[0], sqlite3.sqlite_version)\nprint(zoneinfo.available_timezones() is not None, time.tzname)';
    expectSameRun(run(['/usr/bin/python3', '--', '-c', script]), runNative('/usr/bin/python3', ['-c', script]));
  });

  it('perl -MPOSIX -MList::Util=sum', () => {
    const args = ['-MPOSIX', '-MList::Util=sum', '-e', 'print sum(1..10), " ", POSIX::floor(2.5), " ", strftime("%Y-%m-%d", gmtime(86400)), "\\n"'];
    expectSameRun(run(['/usr/bin/perl', '--', ...args]), runNative('/usr/bin/perl', args));
  });

  it('node -e', () => {
    const args = ['-e', 'console.log(JSON.stringify({ sum: [1, 2, 3].reduce((a, b) => a + b), type: typeof Buffer.from("x") }))'];
    expectSameRun(run(['/usr/bin/node', '--', ...args]), runNative('/usr/bin/node', args));
  });

  it('a #!/usr/bin/env python3 script: env and the interpreter come with it', () => {
    const script = join(work, 'greet.py');
    writeFileSync(script, '#!/usr/bin/env python3\nimport sys\nprint("args:", sys.argv[1:], sys.executable.split("/")[-1].startswith("python3"))\n');
    chmodSync(script, 0o755);
    expectSameRun(run([script, '--', 'a', 'b c']), runNative(script, ['a', 'b c']));
  });
});

describe('what discovery leaves out', () => {
  it('password hashes and root\'s home stay out unless named: said at build time, not found in the guest', () => {
    const program = fixturePath('named-paths', 'glibc-static');
    const built = ukify(['build', program, '-o', join(work, 'np.img')]);
    expect(built.status).toBe(0);
    expect(built.stdout).toMatch(/^ {2}\/etc\/shadow: password hashes: never packed unless you name it/m);
    expect(built.stdout).toMatch(/^ {2}\/root\/\.bashrc: under \/root, a home directory: never packed unless you name it/m);
    expect(run([join(work, 'np.img')]).stdout).toBe('/etc/services: opened\n/etc/shadow: ENOENT\n/root/.bashrc: ENOENT\n');
    // named by the user, it goes in
    expect(run([program, '--file', '/etc/shadow', '--file', '/root/.bashrc']).stdout).toBe('/etc/services: opened\n/etc/shadow: opened\n/root/.bashrc: opened\n');
  });


  it('--json carries the same', () => {
    const built = ukify(['build', fixturePath('named-paths', 'glibc-static'), '-o', join(work, 'np-json.img'), '--json']);
    expect(built.status).toBe(0);
    const json = JSON.parse(built.stdout) as { image: string; added: { path: string; why: string }[]; skipped: { path: string; why: string }[] };
    expect(json.image).toBe(join(work, 'np-json.img'));
    expect(json.added.map((a) => a.path)).toContain('/etc/services');
    expect(json.skipped.map((s) => s.path)).toEqual(expect.arrayContaining(['/etc/shadow', '/root/.bashrc']));
  });
});

describe("Debian's nginx with Debian's own /etc/nginx", () => {
  it('ukify /usr/sbin/nginx, then ukify run nginx.img -p H:80, serves the default page', async () => {
    const built = ukify(['/usr/sbin/nginx']);
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/^ {2}\/etc\/nginx\/ \([\d.]+ KiB\): nginx names \/etc\/nginx\/$/m);
    expect(built.stdout).toMatch(/^ {2}\/var\/www\/html\/ \([\d.]+ \w?i?B\): named in \/etc\/nginx\/sites-(available|enabled)\/default$/m);
    const port = await freePort();
    const guest = ukifyServe([join(work, 'nginx.img'), '-p', `${port}:80`]);
    try {
      await until('nginx', async () => (await http(port, 'GET', '/').catch(() => undefined))?.status === 200, guest);
      const page = await http(port, 'GET', '/');
      expect(page.body.toString()).toBe(readFileSync('/var/www/html/index.nginx-debian.html', 'utf8'));
      expect((await http(port, 'GET', '/missing')).status).toBe(404);
    } finally {
      await stopServer(guest);
    }
    expect(await guest.exit, guest.stderr()).toBe(0);
  });
});
