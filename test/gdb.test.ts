// `ukify run --gdb` (issue 12, part 3) with Debian's gdb in batch mode: the script the run writes
// attaches to the paused VM and stops at the program's first instruction; a breakpoint in the
// program (main, the qsort callback) and one in the C library (qsort) are hit, `bt` names the
// library's frames and the program's, a local prints its value, ukify-ps lists the process and its
// thread. A dynamic PIE (its loader and libc at the addresses the kernel chose) and static programs.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath, type Variant } from '../fixtures/index.js';
import { runAsync } from './helpers/run-async.js';
import { scratch } from './helpers/scratch.js';

const cli = resolve('dist/cli/main.js');
const { freshDir } = scratch('ukify-gdb');

/** A port nothing listens on now (the kernel picks it; closed again before use). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      s.close(() => done(port));
    });
  });
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Boots the program with --gdb, runs gdb -batch on the script with these commands; both outputs. */
async function debugSession(variant: Variant, commands: string[], gdbFlags: string[] = []): Promise<{ gdb: string; run: { status: number | null; stdout: string; stderr: string } }> {
  const dir = freshDir(variant);
  const script = join(dir, 'session.gdb');
  const port = await freePort();
  const run = runAsync(process.execPath, [cli, 'run', fixturePath('gdb-target', variant), '--no-discover', `--gdb=${port}`, '--gdb-script', script], { cwd: dir, timeoutMs: 120_000 });
  await waitFor(() => existsSync(script), 60_000);
  const gdb = await runAsync('gdb', ['-nx', '-batch', ...gdbFlags, '-x', script, ...commands.flatMap((c) => ['-ex', c])], { cwd: dir, timeoutMs: 120_000 });
  const done = await run;
  return { gdb: `${gdb.stdout.toString('utf8')}${gdb.stderr}`, run: { status: done.status, stdout: done.stdout.toString('utf8'), stderr: done.stderr } };
}

const session = [
  'break main', 'break qsort', 'break by_value',
  'continue', // main
  'continue', // qsort, in the C library
  'bt',
  'continue', // by_value, called by the C library's qsort
  'next',
  'print x',
  'bt',
  'ukify-ps',
  'ukify-files',
];

describe('ukify run --gdb', () => {
  it('has Debian\'s gdb (scripts/setup installs it)', () => {
    expect(spawnSync('gdb', ['--version'], { encoding: 'utf8' }).stdout).toMatch(/^GNU gdb/);
  });

  // Debian's libc6-dbg gives libc's own frames their names (qsort_r's msort_with_tmp): without it
  // (gdb told not to look for it) they are `??` and the exported ones are named from .dynsym.
  const cases = [
    { variant: 'glibc-dynamic', flags: [] as string[], name: 'glibc-dynamic' },
    { variant: 'glibc-dynamic', flags: ['-iex', 'set debug-file-directory /nonexistent'], name: 'glibc-dynamic, libc without its debug symbols' },
    { variant: 'glibc-static', flags: [], name: 'glibc-static' },
    { variant: 'glibc-static-pie', flags: [], name: 'glibc-static-pie' },
  ] as const;
  for (const { variant, flags, name } of cases) {
    it(`${name}: breakpoints in the program and in libc, bt, a local, the process list`, async () => {
      const { gdb, run } = await debugSession(variant, session, [...flags]);
      expect(run.status, `${run.stderr}\n${gdb}`).toBe(0);
      expect(run.stdout).toBe('sorted: 3 7 19 42, sum 71\n');
      expect(run.stderr).toMatch(/^ukify: the VM is paused until gdb continues; attach with: gdb -x .*session\.gdb$/m);
      // The script stops at the first instruction: the loader's entry, or the program's.
      expect(gdb).toMatch(/^ukify: \/gdb-target\.\S+ is at its first instruction.*; the VM waits until you continue\n=> 0x[0-9a-f]+( <_start>)?:/m);
      expect(gdb).toMatch(/Breakpoint \d+, main \(\) at .*gdb-target\.c:15/);
      expect(gdb).toMatch(/Breakpoint \d+, (0x[0-9a-f]+ in )?\w*qsort\w* \(/);
      // bt in qsort: the library's frame, then main's
      expect(gdb).toMatch(/#0 +(0x[0-9a-f]+ in )?\w*qsort\w* \(.*\n#1 +0x[0-9a-f]+ in main \(\) at .*gdb-target\.c:17/);
      // bt in the callback: the program's frame, the library's, main's
      expect(gdb).toMatch(/#0 +by_value \(a=0x[0-9a-f]+, b=0x[0-9a-f]+\) at .*gdb-target\.c:10\n(#\d+ .*\n)*#\d+ +0x[0-9a-f]+ in \w*(qsort|msort)\w* \((.*\n)*#\d+ +0x[0-9a-f]+ in main \(\) at .*gdb-target\.c:17/);
      expect(gdb).toMatch(/^\$1 = 42$/m);
      expect(gdb).toMatch(/^pid 1 +ppid 0 +gdb-target\.\S* +\/gdb-target\.\S+ +PROC_ALIVE\n +tid 1 +T_RUNNING +on the CPU: pc 0x[0-9a-f]+ \(by_value \+ \d+\)$/m);
      expect(gdb).toMatch(/0x[0-9a-f]+ +\/gdb-target\.\S+ +\(pid 1\)/);
      if (variant === 'glibc-dynamic') {
        expect(gdb).toMatch(/0x[0-9a-f]+ +\/lib64\/ld-linux-x86-64\.so\.2 +\(pid 1\)/);
        expect(gdb).toMatch(/0x[0-9a-f]+ +\/\S*libc\.so\.6 +\(pid 1\)/);
      }
      expect(gdb).not.toMatch(/ukify: no symbols/);
    });
  }

  it('fails in one line when the port is taken or the script cannot be written', async () => {
    const dir = freshDir('errors');
    const server: Server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const taken = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const program = fixturePath('gdb-target', 'glibc-static');
      const busy = await runAsync(process.execPath, [cli, 'run', program, '--no-discover', `--gdb=${taken}`], { cwd: dir, timeoutMs: 60_000 });
      expect(busy.status).not.toBe(0);
      expect(busy.stderr).toBe(`ukify: --gdb: port ${taken} on 127.0.0.1 is in use: pick another with --gdb=PORT\n`);
      const port = await freePort();
      const unwritable = await runAsync(process.execPath, [cli, 'run', program, '--no-discover', `--gdb=${port}`, '--gdb-script', '/nonexistent/dir/s.gdb'], { cwd: dir, timeoutMs: 60_000 });
      expect(unwritable.status).not.toBe(0);
      expect(unwritable.stderr).toBe('ukify: --gdb-script /nonexistent/dir/s.gdb: cannot write it (ENOENT)\n');
      const bad = await runAsync(process.execPath, [cli, 'run', program, '--no-discover', '--gdb=http'], { cwd: dir, timeoutMs: 60_000 });
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toBe('ukify: --gdb=http: not a TCP port (1-65535)\n');
    } finally {
      server.close();
    }
  });
});
