// Data that survives the VM: real programs write into a volume (`ukify run -v`) and the host reads
// it after the VM has stopped (Debian's sqlite3 and redis-server, checked by the host's sqlite3 and
// redis-check-rdb), a 1 GiB file byte for byte, and a clean stop: SIGTERM to `ukify run` lets the
// program finish (redis saves, a writer's last line is on the host when `ukify run` returns) and a
// response in progress reaches its client whole.
import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { ukifyRun as ukifyRunSync } from './helpers/guest.js';
import { exitWithin, stopServer, ukifyRun, until, type Server } from '../harness/servers.js';
import { freePort } from '../harness/free-port.js';
import { scratch } from './helpers/scratch.js';

const execFileAsync = promisify(execFile);
const { dir: work, freshDir } = scratch('ukify-volumes-programs');
const volume = fixturePath('volume', 'glibc-static');


describe("sqlite3 (Debian's) keeps its database in a volume", () => {
  const sql = [
    'create table t(id integer primary key, name text, n real);',
    "insert into t(name, n) values ('one', 1.5), ('two', 2.5);",
    'begin; ' + Array.from({ length: 200 }, (_, i) => `insert into t(name, n) values ('row${i}', ${i});`).join(' ') + ' commit;',
    "update t set n = n * 2 where name like 'row1%';",
    "delete from t where name = 'two';",
    'create index t_name on t(name);',
  ].join('\n');
  const query = "select count(*), sum(n), group_concat(name) from (select * from t order by id limit 5); pragma integrity_check;";

  for (const mode of ['delete', 'wal'] as const) {
    it(`journal_mode=${mode}: the host's sqlite3 reads what the guest wrote, after the VM stopped, as from a native run`, () => {
      const native = freshDir('sqlite-native');
      execFileSync('sqlite3', [join(native, 'test.db'), `pragma journal_mode=${mode};`, sql]);
      const expected = execFileSync('sqlite3', [join(native, 'test.db'), query], { encoding: 'utf8' });
      expect(expected).toMatch(/^5\|.*\nok\n$/);
      const host = freshDir('sqlite');
      const r = ukifyRunSync(['/usr/bin/sqlite3', '-v', `${host}:/data`, '--', '/data/test.db', `pragma journal_mode=${mode};`, sql], { cwd: work });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${mode}\n`);
      expect(execFileSync('sqlite3', [join(host, 'test.db'), query], { encoding: 'utf8' })).toBe(expected);
      // the guest reads it back too, in a second VM; a WAL database needs its -shm file (mapped
      // MAP_SHARED) even to be read, so sqlite3 cannot open it in a read-only directory, natively neither
      const again = ukifyRunSync(['/usr/bin/sqlite3', '-v', `${host}:/data${mode === 'wal' ? '' : ':ro'}`, '--', '/data/test.db', query], { cwd: work });
      expect(again.stdout, again.stderr).toBe(expected);
    });
  }
});

describe("redis-server (Debian's) saves dump.rdb into a volume", () => {
  const cli = async (port: number, ...args: string[]): Promise<string> => (await execFileAsync('redis-cli', ['-p', String(port), ...args])).stdout;
  const checkRdb = (path: string): string => {
    const r = spawnSync('redis-check-rdb', [path], { encoding: 'utf8' });
    expect(r.status, r.stdout).toBe(0);
    return r.stdout;
  };
  const start = async (host: string, port: number, extra: string[]): Promise<Server> => {
    const server = ukifyRun(['/usr/bin/redis-server', '-m', '256M', '-p', `${port}:6379`, '-v', `${host}:/data`, '--', '--protected-mode', 'no', '--dir', '/data', ...extra]);
    await until('redis-server', async () => (await cli(port, 'ping').catch(() => '')) === 'PONG\n', server);
    return server;
  };

  it('SAVE and BGSAVE (a forked child) write dump.rdb; redis-check-rdb passes on the host and counts the keys', async () => {
    const host = freshDir('redis');
    const port = await freePort();
    const server = await start(host, port, ['--save', '']);
    try {
      expect(await cli(port, 'set', 'k1', 'v1')).toBe('OK\n');
      expect(await cli(port, 'rpush', 'list', 'a', 'b', 'c')).toBe('3\n');
      expect(await cli(port, 'save')).toBe('OK\n');
      expect(checkRdb(join(host, 'dump.rdb'))).toContain('[info] 2 keys read');
      expect(await cli(port, 'set', 'k2', 'v2')).toBe('OK\n');
      expect(await cli(port, 'bgsave')).toBe('Background saving started\n');
      let info = '';
      await until('BGSAVE', async () => (info = await cli(port, 'info', 'persistence')).includes('rdb_bgsave_in_progress:0'), server);
      expect(info).toContain('rdb_last_bgsave_status:ok');
      const rdb = checkRdb(join(host, 'dump.rdb'));
      expect(rdb).toContain('[info] 3 keys read');
      expect(rdb).toContain('RDB looks OK!');
      expect(await cli(port, 'shutdown', 'nosave')).toBe('');
      expect(await exitWithin(server, 30_000), server.stderr()).toBe(0);
    } finally {
      await stopServer(server);
    }
    expect(server.stdout()).toMatch(/Background saving started by pid \d+/);
    expect(server.stdout()).toContain('Background saving terminated with success');
  });

  it('with `save` configured, SIGTERM to ukify run: redis saves on its way out, and the file is on the host when ukify run returns', async () => {
    const host = freshDir('redis-term');
    const port = await freePort();
    const server = await start(host, port, ['--save', '3600', '1']);
    for (let i = 0; i < 50; i++) await cli(port, 'set', `key${i}`, `value${i}`);
    server.proc.kill('SIGTERM');
    expect(await exitWithin(server, 30_000), server.stderr()).toBe(0);
    expect(server.stdout()).toContain('Saving the final RDB snapshot before exiting');
    expect(server.stderr()).toContain('ukify: stop requested: SIGTERM sent to 1 process');
    const rdb = checkRdb(join(host, 'dump.rdb'));
    expect(rdb).toContain('[info] 50 keys read');
  });
});

describe('a clean stop: SIGTERM to ukify run', () => {
  it("a program's writes until it exits are in the volume when ukify run returns: its last line after SIGTERM is there", async () => {
    const host = freshDir('append');
    const server = ukifyRun([volume, '--no-discover', '-v', `${host}:/data`, '--', 'append', '/data/log']);
    await until('appending', async () => server.stdout().includes('appending') && statSync(join(host, 'log'), { throwIfNoEntry: false })?.size !== undefined && statSync(join(host, 'log')).size > 100, server);
    server.proc.kill('SIGTERM');
    expect(await exitWithin(server, 30_000), server.stderr()).toBe(0);
    const lines = readFileSync(join(host, 'log'), 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.at(-2)).toBe('stopped');
    // every line in order, none lost or torn
    lines.slice(0, -2).forEach((l, i) => expect(l).toBe(`line ${i}`));
    expect(server.stdout()).toBe('appending\nstopped\n');
  });

  it('a response in progress when SIGTERM comes reaches its client whole, the VM stopping right after the program', async () => {
    const kib = 2048;
    const expected = execFileSync(volume, ['pattern', '2'], { maxBuffer: 4 * 1024 * 1024 }).subarray(0, kib * 1024);
    const port = await freePort();
    const server = ukifyRun([volume, '--no-discover', '-p', `${port}:8080`, '--', 'slow', '8080', String(kib)]);
    await until('listening', async () => server.stdout().includes('listening'), server);
    const chunks: Buffer[] = [];
    let got = 0;
    let stopAt = 0;
    await new Promise<void>((done, fail) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('data', (d: Buffer) => {
        chunks.push(d);
        got += d.length;
        if (stopAt === 0 && got > 256 * 1024) {
          stopAt = got;
          server.proc.kill('SIGTERM'); // about an eighth in: the rest comes while the VM is asked to stop
        }
      });
      socket.on('end', () => done());
      socket.on('error', fail);
      socket.write('GET / HTTP/1.0\r\n\r\n');
    });
    expect(stopAt).toBeGreaterThan(0);
    expect(stopAt).toBeLessThan(kib * 1024);
    const body = Buffer.concat(chunks);
    expect(body.length).toBe(kib * 1024);
    expect(body.equals(expected)).toBe(true);
    expect(await exitWithin(server, 30_000), server.stderr()).toBe(0);
    expect(server.stdout()).toBe(`listening\nsent ${kib} KiB, SIGTERM came meanwhile\n`);
  });
});

describe('a large file through a volume', () => {
  const sha256 = (stream: NodeJS.ReadableStream): Promise<string> =>
    new Promise((done, fail) => {
      const h = createHash('sha256');
      stream.on('data', (d: Buffer) => h.update(d));
      stream.on('end', () => done(h.digest('hex')));
      stream.on('error', fail);
    });

  it('1 GiB written by the guest (1 MiB writes, fsync) is byte-identical on the host, and the guest reads it back the same', async () => {
    const mib = 1024;
    const host = freshDir('big');
    const t0 = Date.now();
    const w = ukifyRunSync([volume, '--no-discover', '-v', `${host}:/data`, '--', 'fill', '/data/big', String(mib)], { cwd: work });
    const writeMs = Date.now() - t0;
    expect(w.status, w.stderr).toBe(0);
    expect(w.stdout).toBe(`fsync: ok\nwrote ${mib} MiB\n`);
    expect(statSync(join(host, 'big')).size).toBe(mib * 1024 * 1024);
    const child = spawn(volume, ['pattern', String(mib)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [onHost, expected] = await Promise.all([sha256(createReadStream(join(host, 'big'))), sha256(child.stdout)]);
    expect(onHost).toBe(expected);
    const t1 = Date.now();
    const r = ukifyRunSync([volume, '--no-discover', '-v', `${host}:/data:ro`, '--', 'hash', '/data/big'], { cwd: work });
    const readMs = Date.now() - t1;
    const native = execFileSync(volume, ['hash', join(host, 'big')], { encoding: 'utf8' });
    expect(r.stdout).toBe(native);
    console.log(`1 GiB through a volume: written in ${(writeMs / 1000).toFixed(1)} s, read back and hashed in ${(readMs / 1000).toFixed(1)} s (boots included)`);
  }, 300_000);
});
