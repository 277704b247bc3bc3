// Real Debian programs, unmodified, booted with `ukify run PROGRAM` (a temporary image with their
// libraries and the files they need), each compared with the same command run natively.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { etcFiles } from '../packager/etc-files.js';
import { runNative } from './helpers/native.js';
import { expectSameRun, ukifyRun } from './helpers/guest.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-real-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const run = (args: string[]) => ukifyRun(args, { cwd: work });

const python = '/usr/bin/python3';
const pythonLib = '/usr/lib/python3.11';

describe('real programs under ukify, against native runs', () => {
  it('python3 -c: json of a dict, with the standard library from --dir', () => {
    const code = 'import json; print(json.dumps({"a": [1,2,3], "b": sum(range(10))}))';
    const native = runNative(python, ['-c', code]);
    expect(native.stdout).toBe('{"a": [1, 2, 3], "b": 45}\n');
    expectSameRun(run([python, '--dir', `${pythonLib}:${pythonLib}`, '--', '-c', code]), native);
  });

  it('python3 extension modules under --dir get their libraries (libssl, libcrypto, libsqlite3, libmpdec, libffi)', () => {
    const code = [
      'import ssl, sqlite3, hashlib, decimal, ctypes',
      'db = sqlite3.connect(":memory:"); db.execute("create table t(x)"); db.executemany("insert into t values (?)", [(i,) for i in range(100)])',
      'print(ssl.OPENSSL_VERSION, sqlite3.sqlite_version, db.execute("select sum(x) from t").fetchone()[0])',
      'print(hashlib.sha256(b"ukify").hexdigest(), decimal.Decimal(1) / decimal.Decimal(7), ctypes.sizeof(ctypes.c_long))',
    ].join('\n');
    const native = runNative(python, ['-c', code]);
    expect(native.stdout).toMatch(/^OpenSSL .* 4950\n/);
    expectSameRun(run([python, '--dir', `${pythonLib}:${pythonLib}`, '--', '-c', code]), native);
  });

  it('a python script writes a file in its working directory and reads it back', () => {
    const script = [
      'import os',
      'path = os.path.join(os.getcwd(), "notes.txt")',
      'with open(path, "w") as f:',
      '    for i in range(50):',
      '        f.write(f"line {i}: {i * i}\\n")',
      'with open(path, "a") as f:',
      '    f.write("end\\n")',
      'with open(path) as f:',
      '    lines = f.read().splitlines()',
      'print(len(lines), lines[7], lines[-1], os.path.getsize(path))',
      'os.rename(path, path + ".old")',
      'print(sorted(os.listdir(".")))',
    ].join('\n');
    const dir = join(work, 'pyscript');
    mkdirSync(dir);
    writeFileSync(join(dir, 'rw.py'), `${script}\n`);
    const native = runNative(python, ['rw.py'], { cwd: dir });
    expect(native.stdout).toMatch(/^51 line 7: 49 end /);
    rmSync(join(dir, 'notes.txt.old'));
    const guest = run([python, '--dir', `${pythonLib}:${pythonLib}`, '--file', `${join(dir, 'rw.py')}:/app/rw.py`, '-w', '/app', '--', 'rw.py']);
    expectSameRun(guest, native);
  });

  it('sqlite3 runs a SQL script: create, fill, query a table in a database on the ramfs', () => {
    const sql = [
      'create table t(id integer primary key, name text not null, score real);',
      "insert into t(name, score) values ('ada', 9.5), ('bob', 7.25), ('cy', 8.0);",
      "insert into t(name, score) select name || '2', score + 1 from t;",
      'create index t_score on t(score);',
      'select count(*), sum(score), max(id) from t;',
      'select name, score from t where score > 8 order by score desc;',
      'update t set score = score * 2 where name like \'b%\';',
      'select group_concat(name, \',\') from (select name from t order by score, name);',
      'pragma integrity_check;',
    ].join('\n');
    const dir = join(work, 'sqlite');
    mkdirSync(dir);
    writeFileSync(join(dir, 'fill.sql'), `${sql}\n`);
    const native = runNative('/usr/bin/sqlite3', ['data.db', '.read fill.sql'], { cwd: dir });
    expect(native.stdout).toContain('6|52.5|6\n');
    const guest = run(['/usr/bin/sqlite3', '--file', `${join(dir, 'fill.sql')}:/data/fill.sql`, '-w', '/data', '--', 'data.db', '.read fill.sql']);
    expectSameRun(guest, native);
  });

  /**
   * `ls -la --time-style=+` rows without the times: mode, links, owner, group, size, name. Left out:
   * "total" and a directory's size (both depend on the file system: 4096 on ext4, 0 on our ramfs),
   * and ".." (the host folder's parent is not the guest's root).
   */
  function lsRows(out: string): string[] {
    return out
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('total '))
      .map((l) => l.split(/\s+/))
      .map(([mode = '', links, owner, group, size, name]) => [mode, links, owner, group, mode.startsWith('d') ? '(dir)' : size, name].join(' '))
      .filter((l) => !l.endsWith(' ..'));
  }

  // The native oracle lists a host folder holding the same files as the image's /etc.
  const etc = join(work, 'etc');
  const lsArgs = ['-la', '--time-style=+', '/etc'];

  it('ls -la /etc (coreutils): the same entries, modes, links, owners and sizes as natively', () => {
    mkdirSync(etc);
    for (const f of etcFiles()) writeFileSync(join(etc, f.path.slice('/etc/'.length)), f.text, { mode: 0o644 });
    const native = runNative('/usr/bin/ls', ['-la', '--time-style=+', etc]);
    expect(native.status).toBe(0);
    const guest = run(['/usr/bin/ls', '--no-discover', '--', ...lsArgs]);
    expect(lsRows(guest.stdout)).toEqual(lsRows(native.stdout));
    expect(lsRows(guest.stdout)).toHaveLength(7);
    expect(guest.status).toBe(native.status);
  });

  it('ls -la /etc writes to stderr what it writes natively (nothing)', () => {
    const native = runNative('/usr/bin/ls', ['-la', '--time-style=+', etc]);
    const guest = run(['/usr/bin/ls', '--no-discover', '--', ...lsArgs]);
    expect(guest.appStderr).toBe(native.stderr);
  });

  /** An nginx prefix folder with a config; it goes to the same path in the guest, so messages match. */
  function nginxPrefix(name: string, server: string): string {
    const prefix = join(work, name);
    mkdirSync(join(prefix, 'conf'), { recursive: true });
    mkdirSync(join(prefix, 'logs'));
    copyFileSync('/etc/nginx/mime.types', join(prefix, 'conf', 'mime.types'));
    writeFileSync(
      join(prefix, 'conf', 'nginx.conf'),
      [
        'user nobody nogroup;',
        'worker_processes 1;',
        'error_log stderr;',
        'pid /tmp/nginx.pid;',
        'events { worker_connections 64; }',
        'http {',
        '    include mime.types;',
        '    access_log off;',
        '    client_body_temp_path /tmp/body;',
        '    proxy_temp_path /tmp/proxy;',
        '    fastcgi_temp_path /tmp/fastcgi;',
        '    uwsgi_temp_path /tmp/uwsgi;',
        '    scgi_temp_path /tmp/scgi;',
        server,
        '}',
        '',
      ].join('\n'),
    );
    return prefix;
  }

  it('nginx -t with a packaged config (no listening socket)', () => {
    const prefix = nginxPrefix('nginx-plain', '');
    const args = ['-t', '-p', `${prefix}/`, '-c', `${prefix}/conf/nginx.conf`];
    const native = runNative('/usr/sbin/nginx', args);
    expect(native.stderr).toMatch(/test is successful/);
    expectSameRun(run(['/usr/sbin/nginx', '--dir', prefix, '--', ...args]), native);
  });

  it('nginx -t with a server listening on a port (nginx opens and binds the socket to test it)', () => {
    const prefix = nginxPrefix('nginx-listen', '    server { listen 8080; location / { return 200 "hi\\n"; } }');
    const args = ['-t', '-p', `${prefix}/`, '-c', `${prefix}/conf/nginx.conf`];
    expectSameRun(run(['/usr/sbin/nginx', '--dir', prefix, '--', ...args]), runNative('/usr/sbin/nginx', args));
  });
});
