// Running out (issue 15): fixtures/exhaust.c takes memory, /tmp space, descriptors, pipes, unix
// socketpairs and TCP connections until the first failure, then gives them back and goes on. Its
// output (which errno came first, that the program can go on) is compared with a native run whose
// /tmp is a 32 MiB tmpfs (unshare -m, as root) and whose address space is limited (the fixture's
// RLIMIT_AS, which the guest does not enforce: the VM's memory runs out first). What depends on the
// VM's memory size is checked in the guest alone: the OOM kill and its log line. Then the loops:
// memory in use at power-off (--stats) is the same after 1 and after 100,000 open/close,
// pipe, socketpair and TCP connect/accept/close rounds. And the CLI's size limits on packed files.
import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { parseStatsRecord, STATS_RECORD } from '../runner/run-stats.js';
import { kernelElf } from './kernel-boot.js';
import { runNative } from './helpers/native.js';
import { ukifyRun } from './helpers/guest.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-exhaust-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, UKIFY_KERNEL: kernelElf };
const run = (args: string[], timeoutMs = 300_000) => ukifyRun(args, { cwd: work, env, timeoutMs });

/** The fixture natively, with /tmp on a fresh 32 MiB tmpfs in a mount namespace of its own. */
function nativeWithSmallTmp(path: string) {
  return runNative('/usr/bin/unshare', ['-m', '/bin/sh', '-c', 'mount -t tmpfs -o size=32m none /tmp && exec "$0"', path], { timeoutMs: 120_000 });
}

const OOM_LINE = /^ukify: out of memory: killed pid (\d+) \(exhaust\.[^)]*\), VM has (\d+) MiB; raise -m$/m;

describe('running out of memory, file space and descriptors, as Linux does', () => {
  for (const [variant, memory] of [['glibc-static', '128M'], ['musl-static', '128M'], ['glibc-dynamic', '64M'], ['musl-dynamic', '96M']] as const) {
    it(`exhaust.${variant} at -m ${memory}: the same first errno as natively for each resource, and the program goes on`, () => {
      const path = fixturePath('exhaust', variant);
      const native = nativeWithSmallTmp(path);
      expect(native.stdout).not.toContain('FAILED');
      expect(native.status, native.stderr).toBe(0);
      const guest = run(['-m', memory, path]);
      expect(guest.stdout).toBe(native.stdout);
      expect(guest.status, guest.stderr).toBe(0);
      // nothing was killed: malloc and MAP_POPULATE failed with ENOMEM instead
      expect(guest.stderr).not.toMatch(/out of memory|panic|fault in the kernel/);
    });
  }

  it('guest only: a child that touches more than the VM has is killed with SIGKILL and the log line; MAP_POPULATE beyond free memory fails with ENOMEM and gives its pages back', () => {
    const guest = run(['-m', '128M', fixturePath('exhaust', 'musl-dynamic'), '--', 'oom']);
    expect(guest.stdout).toBe(
      [
        'child that overcommitted: killed by SIGKILL',
        'mmap MAP_POPULATE beyond free memory: ENOMEM',
        'its pages given back: yes',
        'after both: 16 MiB allocated and written',
        'done',
        '',
      ].join('\n'),
    );
    expect(guest.status, guest.stderr).toBe(0);
    const line = OOM_LINE.exec(guest.stderr);
    expect(line, guest.stderr).not.toBeNull();
    expect(line?.[1]).toBe('2');
    expect(line?.[2]).toBe('128');
  });

  it('guest only: the program itself overcommitted ends with status 137 (SIGKILL) and the log line naming pid 1 and the VM size', () => {
    const guest = run(['-m', '96M', fixturePath('exhaust', 'glibc-static'), '--', 'overcommit']);
    expect(guest.status).toBe(137);
    expect(guest.stdout).toBe('');
    const line = OOM_LINE.exec(guest.stderr);
    expect(line, guest.stderr).not.toBeNull();
    expect(line?.[1]).toBe('1');
    expect(line?.[2]).toBe('96');
    expect(guest.stderr).not.toMatch(/panic|fault in the kernel/);
  });
});

describe('memory is given back', () => {
  const memoryAfter = (rounds: number): number => {
    const guest = run(['--stats', '-m', '128M', fixturePath('exhaust', 'glibc-static'), '--', 'loops', String(rounds)], 600_000);
    expect(guest.stdout).toBe(`loops: ${rounds} of each\ndone\n`);
    expect(guest.status, guest.stderr).toBe(0);
    const line = /^ukify: stats: (.*) of memory still in use at power-off/m.exec(guest.stderr);
    expect(line, guest.stderr).not.toBeNull();
    return parseMemory(line?.[1] ?? '');
  };

  it('after 100,000 rounds of open/close, pipe, socketpair and TCP socket/connect/accept/close, memory in use at power-off is what it is after one', () => {
    const one = memoryAfter(1);
    const many = memoryAfter(100_000);
    expect(many).toBe(one);
    expect(one).toBeGreaterThan(0);
  }, 900_000);

  it('the stats record carries mem_kib', () => {
    const record = `${STATS_RECORD}uptime_ns=1 user_ns=1 idle_ns=0 syscalls=3 page_faults=4 peak_kib=8 console_in=0 console_out=0 net_in=0 net_out=0 procs=1 threads=1 mem_kib=345`;
    expect(parseStatsRecord(record)?.mem_kib).toBe(345);
    expect(parseStatsRecord(record.replace(' mem_kib=345', ''))).toBeUndefined();
  });
});

/** "345.0 KiB" or "1.2 MiB" as formatStats writes it, in KiB. */
function parseMemory(text: string): number {
  const m = /^([\d.]+) (B|KiB|MiB)$/.exec(text);
  if (m === null) throw new Error(`not a size: ${text}`);
  const n = Number(m[1]);
  return m[2] === 'B' ? n / 1024 : m[2] === 'KiB' ? n : n * 1024;
}

describe('files the CLI packs: sizes are checked before anything is read', () => {
  const hello = fixturePath('hello', 'glibc-static');

  it('a sparse file larger than a file in the image may be: one line naming it and the limit, exit 2, at once', () => {
    const dir = join(work, 'big');
    mkdirSync(dir);
    writeFileSync(join(dir, 'sparse'), '');
    truncateSync(join(dir, 'sparse'), 1900 * 1024 * 1024);
    const started = performance.now();
    const r = run(['--dir', `${dir}:/data`, hello]);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ukify: --dir ${dir}:/data: ${join(dir, 'sparse')} is 1.9 GiB, more than the 1 GiB a file in the image may have\n`);
    rmSync(dir, { recursive: true });
  });

  it('files that add up to more than an image holds: one line with the total, the limit and the largest', () => {
    const dir = join(work, 'many');
    mkdirSync(dir);
    for (const name of ['a', 'b']) {
      writeFileSync(join(dir, name), '');
      truncateSync(join(dir, name), 600 * 1024 * 1024);
    }
    const r = run(['--dir', `${dir}:/data`, hello]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`ukify: the added files come to 1.2 GiB, more than the 1 GiB an image may hold (the largest: ${join(dir, 'a')}, 600 MiB)\n`);
    rmSync(dir, { recursive: true });
  });

  it('a large sparse file within the limit is packed', () => {
    const file = join(work, 'sparse-300m');
    writeFileSync(file, '');
    truncateSync(file, 300 * 1024 * 1024);
    const image = join(work, 'sparse.img');
    const r = ukifyBuild(['--file', `${file}:/data/big`, '-o', image, hello]);
    expect(r.status, r.stderr).toBe(0);
    expect(statSync(image).size).toBeGreaterThan(300 * 1024 * 1024);
    rmSync(image);
    rmSync(file);
  });

  it('"memory": 64 as a JSON number in ukify.json: one line with the hint, exit 2', () => {
    const dir = join(work, 'config');
    mkdirSync(dir);
    writeFileSync(join(dir, 'ukify.json'), '{"memory": 64}');
    const r = ukifyRun([hello], { cwd: dir, env });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ukify: ukify.json: memory: must be a string with its unit, such as "64M" for 64 MiB\n');
  });
});

function ukifyBuild(args: string[]) {
  return runNative(process.execPath, [join(process.cwd(), 'dist/cli/main.js'), 'build', ...args], { env: { ...env } as Record<string, string>, cwd: work, timeoutMs: 120_000 });
}
