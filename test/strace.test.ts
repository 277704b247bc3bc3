// `ukify run --strace` and `--syscall-summary` (issue 12, parts 1 and 2) against the real strace: the
// same fixtures run natively under `strace -f` and in the guest give the same syscalls, in the same
// order, with the same results where a result does not depend on the machine (fds, byte counts,
// errors); the classes select what strace's select; the summary counts what the trace shows.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { ukifyRun } from './helpers/guest.js';
import { scratch } from './helpers/scratch.js';

const { dir: work, freshDir } = scratch('ukify-strace');

interface Call {
  name: string;
  result: string;
}

/** strace's lines as calls: the name and what follows `= ` (a number, or -1 and the errno's name). */
function calls(text: string): Call[] {
  return text
    .split('\n')
    .map((l) => l.replace(/^\d+ +/, '').replace(/^\[pid +\d+\] /, ''))
    .filter((l) => /^[a-z_0-9]+\(/.test(l))
    .map((l) => {
      const m = /^([a-z_0-9]+)\(.*\) += (.*)$/.exec(l);
      return { name: m?.[1] ?? l.slice(0, l.indexOf('(')), result: (m?.[2] ?? '').replace(/ \(.*\)$/, '') };
    });
}

/** The program natively under strace -f (its first execve is strace starting it); its raw trace too. */
function nativeTrace(argv: string[], only?: string): { calls: Call[]; text: string } {
  const out = join(work, `native-${Date.now()}-${Math.random()}.txt`);
  const r = spawnSync('strace', ['-f', '-qq', '-o', out, ...(only === undefined ? [] : ['-e', `trace=${only}`]), ...argv], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: '/usr/bin:/bin' }, timeout: 60_000 });
  expect(r.status).toBe(0);
  const text = readFileSync(out, 'utf8');
  const all = calls(text);
  return { calls: all[0]?.name === 'execve' ? all.slice(1) : all, text };
}
const native = (argv: string[], only?: string): Call[] => nativeTrace(argv, only).calls;

/** Each process's (thread's) syscall names, the processes in the order they first appear: from
 * strace -f's `PID name(` lines, or ours (`[pid N] name(`, none while pid 1 is alone). Resumed calls are
 * counted where they started. */
function perProcess(text: string): string[][] {
  const byPid = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^(?:(\d+) +|\[pid +(\d+)\] )?([a-z_0-9]+)\(/.exec(line);
    if (m === null) continue;
    const pid = m[1] ?? m[2] ?? '1'; // ours: no prefix while pid 1 is alone
    byPid.set(pid, [...(byPid.get(pid) ?? []), m[3] as string]);
  }
  return [...byPid.values()];
}

function guest(program: string, args: string[], flags: string[]): { calls: Call[]; stderr: string; status: number | null } {
  const out = join(work, `guest-${Date.now()}-${Math.random()}.txt`);
  const r = ukifyRun([program, '--no-discover', ...flags.map((f) => f.replace('FILE', out)), '--', ...args], { cwd: work });
  const trace = flags.some((f) => f.includes('FILE')) ? readFileSync(out, 'utf8') : r.stderr;
  return { calls: calls(trace), stderr: r.stderr, status: r.status };
}

/** The rows of strace -c's table in text, by syscall (its catalog status dropped), total included. */
function summaryRows(text: string): Map<string, { calls: number; errors: number }> {
  const table = text.slice(text.indexOf('% time'));
  const rows = new Map<string, { calls: number; errors: number }>();
  for (const line of table.split('\n').slice(2)) {
    const m = /^ *[\d.]+ +[\d.]+ +\d+ +(\d+) +(\d+ +)?([a-z_0-9]+)( \[\w+\])?$/.exec(line);
    if (m !== null) rows.set(m[3] as string, { calls: Number(m[1]), errors: Number(m[2] ?? 0) });
  }
  return rows;
}

/** Results that do not depend on addresses, pids or the clock. */
// (not readlink: /proc/self/exe is the program's host path natively)
const deterministic = new Set(['write', 'read', 'openat', 'open', 'close', 'mkdir', 'rmdir', 'unlink', 'rename', 'newfstatat', 'fstat', 'getdents64', 'lseek', 'dup', 'dup2', 'pipe2', 'access', 'faccessat']);

describe('--strace against strace -f', () => {
  for (const variant of ['glibc-static', 'musl-static'] as const) {
    it(`files.${variant}: the same syscalls in the same order, the same deterministic results`, () => {
      const program = fixturePath('files', variant);
      const nativeDir = freshDir('native'), guestDir = '/';
      const want = native([program, nativeDir]);
      const got = guest(program, [guestDir], ['--strace=FILE']);
      expect(got.status).toBe(0);
      expect(got.calls.map((c) => c.name)).toEqual(want.map((c) => c.name));
      const results = (cs: Call[]): string[] => cs.filter((c) => deterministic.has(c.name)).map((c) => `${c.name} = ${c.result}`);
      expect(results(got.calls)).toEqual(results(want));
    }, 120_000);
  }

  it('files.glibc-dynamic: after the loader, the same syscalls in the same order, the same deterministic results', () => {
    // The loader's own start-up differs (the image has no ld.so.cache with --no-discover: it looks in
    // each library folder); the C library's first call of its own, getrandom (malloc's start), is
    // where both traces are compared from.
    const program = fixturePath('files', 'glibc-dynamic');
    const fromLibc = (cs: Call[]): Call[] => cs.slice(cs.findIndex((c) => c.name === 'getrandom'));
    const want = fromLibc(native([program, freshDir('native')]));
    const got = fromLibc(guest(program, ['/'], ['--strace=FILE']).calls);
    expect(want.length).toBeGreaterThan(40);
    expect(got.map((c) => c.name)).toEqual(want.map((c) => c.name));
    const results = (cs: Call[]): string[] => cs.filter((c) => deterministic.has(c.name)).map((c) => `${c.name} = ${c.result}`);
    expect(results(got)).toEqual(results(want));
  }, 120_000);

  for (const only of ['%file', '%memory', '%process', '%signal', 'write,close', '%file,write']) {
    it(`--strace=${only} selects what strace -e trace=${only} selects (files.glibc-static)`, () => {
      const program = fixturePath('files', 'glibc-static');
      const want = native([program, freshDir('native')], only);
      const got = guest(program, ['/'], [`--strace=${only},FILE`]);
      expect(got.calls.map((c) => c.name)).toEqual(want.map((c) => c.name));
    }, 120_000);
  }

  it("busybox sh running a child: each process's syscalls as strace -f shows them, [pid N] and <unfinished ...> included", () => {
    // the child sleeps so that the shell is surely waiting in wait4 when it ends (with `true`, the
    // child could end first and SIGCHLD's handler run before wait4, on either side)
    const script = 'busybox sleep 0.3; echo done';
    const want = perProcess(nativeTrace(['/bin/busybox', 'sh', '-c', script]).text);
    const out = join(work, 'sh-trace.txt');
    const r = ukifyRun(['/bin/busybox', '--no-discover', `--strace=${out}`, '--', 'sh', '-c', script], { cwd: work });
    expect(r.status).toBe(0);
    const text = readFileSync(out, 'utf8');
    const got = perProcess(text);
    (want[0] as string[]).shift(); // strace's own execve of busybox
    expect(got).toEqual(want);
    expect(text).toMatch(/^\[pid +1\] wait4\(-1, +<unfinished \.\.\.>$/m);
    expect(text).toMatch(/^(?:\[pid +1\] )?<\.\.\. wait4 resumed>.*\) += 2$/m); // no prefix once the child is gone, as strace
  }, 120_000);

  it('signals: each one taken (kill, tgkill, sigqueue, a fault, SIGCHLD) and the end by one, as strace -f prints them', () => {
    const program = fixturePath('sys-sigtrace', 'musl-static');
    const out = join(work, 'native-signals.txt');
    // not -qq, which leaves out the `+++ exited with N +++` lines
    spawnSync('strace', ['-f', '-o', out, program], { cwd: work, stdio: 'ignore', timeout: 60_000 });
    // Per process, in the order the processes first show up: strace -f may print two processes'
    // events in either order. Pids, times and pointers differ between the runs.
    const shown = (text: string): string[][] => {
      const byPid = new Map<string, string[]>();
      for (const line of text.split('\n')) {
        const m = /^(?:(\d+) +|\[pid +(\d+)\] )?((?:---|\+\+\+) .*)$/.exec(line);
        if (m === null) continue;
        const pid = m[1] ?? m[2] ?? '1'; // ours: no prefix while pid 1 is alone
        const event = (m[3] as string).replace(/si_pid=\d+/g, 'si_pid=P').replace(/si_(utime|stime)=\d+/g, 'si_$1=T').replace(/si_ptr=0x[0-9a-f]+/, 'si_ptr=X');
        byPid.set(pid, [...(byPid.get(pid) ?? []), event]);
      }
      return [...byPid.values()];
    };
    const expected = shown(readFileSync(out, 'utf8'));
    const traced = join(work, 'guest-signals.txt');
    const r = ukifyRun([program, '--no-discover', `--strace=${traced}`], { cwd: work });
    expect(r.status).toBe(143);
    expect(expected.flat()).toContain('+++ killed by SIGTERM +++');
    expect(expected.flat()).toContain('+++ exited with 3 +++');
    expect(shown(readFileSync(traced, 'utf8'))).toEqual(expected);
  }, 120_000);

  it('an unknown class is one line and exit status 2, before the VM starts', () => {
    const r = ukifyRun([fixturePath('hello', 'musl-static'), '--no-discover', '--strace=%nothing'], { cwd: work });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ukify: --strace: unknown class %nothing \(classes: %file, %process, %net, %signal, %memory, %network\)\n$/);
  });
});

describe('--syscall-summary', () => {
  it("counts each syscall as often as --strace shows it, and its errors, in strace -c's table", () => {
    const program = fixturePath('files', 'glibc-static');
    const r = guest(program, ['/'], ['--strace', '--syscall-summary']);
    expect(r.status).toBe(0);
    const table = r.stderr.slice(r.stderr.indexOf('% time'));
    const rows = summaryRows(r.stderr);
    rows.delete('total');
    const counted = new Map<string, { calls: number; errors: number }>();
    for (const c of r.calls) {
      const row = counted.get(c.name) ?? { calls: 0, errors: 0 };
      row.calls++;
      if (c.result.startsWith('-1 ')) row.errors++;
      counted.set(c.name, row);
    }
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(counted));
    // a syscall the kernel does not implement fully is marked with its catalog status
    expect(table).toMatch(/ rseq \[stub\]$/m);
    expect(table).toMatch(/^% time     seconds  usecs\/call     calls    errors syscall\n------ /);
  }, 120_000);
});

describe('--stats', () => {
  it('counts the syscalls --syscall-summary counts, the console bytes the program wrote, its processes and threads', () => {
    const program = fixturePath('threads', 'musl-static');
    const r = ukifyRun([program, '--no-discover', '--stats', '--syscall-summary'], { cwd: work });
    expect(r.status).toBe(0);
    const rows = summaryRows(r.stderr);
    const stats = /^ukify: stats: ([\d,]+) syscalls, ([\d,]+) page faults, at most [\d.]+ (?:KiB|MiB) of memory in use$/m.exec(r.stderr);
    expect(stats, r.stderr).not.toBeNull();
    expect(Number(stats?.[1]?.replace(/,/g, ''))).toBe(rows.get('total')?.calls);
    expect(Number(stats?.[2]?.replace(/,/g, ''))).toBeGreaterThan(0);
    const consoleOut = /^ukify: stats: console (\d+) B in, (\d+) B out;/m.exec(r.stderr);
    expect(Number(consoleOut?.[2])).toBe(Buffer.byteLength(r.stdout));
    const created = /^ukify: stats: (\d+) process(?:es)? and (\d+) threads? created$/m.exec(r.stderr);
    expect(Number(created?.[1])).toBe(1);
    expect(Number(created?.[2])).toBe(1 + (rows.get('clone')?.calls ?? 0));
  }, 120_000);
});
