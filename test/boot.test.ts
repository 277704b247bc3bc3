// Booting real programs with `ukify run` (node dist/cli/main.js), compared with the native run of
// the same binary: stdout bytes and exit status. Needs the kernel (built by the global setup); the
// suite is skipped only when build/kernel/ukify-kernel.elf does not exist.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, type Variant } from '../fixtures/index.js';
import { runNative } from './helpers/native.js';

const cli = resolve('dist/cli/main.js');
const kernel = resolve('build/kernel/ukify-kernel.elf');
const work = mkdtempSync(join(tmpdir(), 'ukify-boot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

function ukify(...args: string[]): Run {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: work, timeout: 60_000, input: '' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

const staticVariants: Variant[] = ['glibc-static', 'glibc-static-pie', 'musl-static'];

describe.skipIf(!existsSync(kernel))('ukify run boots static programs', () => {
  beforeAll(() => {
    expect(existsSync(cli)).toBe(true);
  });

  describe.each(staticVariants)('hello.%s', (variant) => {
    const hello = fixturePath('hello', variant);

    it('prints what the native run prints and exits with the same status', () => {
      const args = ['7', 'two words', 'tab\there', 'cr\rhere', 'utf-8 é ✓', ''];
      const native = runNative(hello, args, { env: { UKIFY_GREETING: 'hi there' } });
      const guest = ukify('run', hello, '-e', 'UKIFY_GREETING=hi there', '--', ...args);
      expect(guest.stdout.toString('utf8')).toBe(native.stdout);
      expect(guest.status).toBe(native.status);
      expect(guest.status).toBe(7);
    });

    it('exits 0 and 255 like Linux', () => {
      for (const status of ['0', '255', '256']) {
        const native = runNative(hello, [status]);
        const guest = ukify('run', hello, '--', status);
        expect(guest.stdout.toString('utf8')).toBe(native.stdout);
        expect(guest.status).toBe(native.status);
      }
    });
  });

  it('an image keeps its arguments and environment; run arguments and -e replace and add', () => {
    const hello = fixturePath('hello', 'musl-static');
    const image = join(work, 'hello.img');
    expect(ukify('build', hello, '-o', image, '-e', 'UKIFY_GREETING=built', '--', '3', 'x').status).toBe(0);

    const built = ukify('run', image);
    const nativeBuilt = runNative(hello, ['3', 'x'], { env: { UKIFY_GREETING: 'built' } });
    expect(built.stdout.toString('utf8')).toBe(nativeBuilt.stdout);
    expect(built.status).toBe(3);

    // On the kernel command line: quoting of blanks, quotes and backslashes must survive.
    const args = ['5', 'a "quoted" word', 'back\\slash', 'two\\\\back', 'trail\\', '\\"', ''];
    const replaced = ukify('run', image, '-e', 'UKIFY_GREETING=run time', '--', ...args);
    const nativeReplaced = runNative(hello, args, { env: { UKIFY_GREETING: 'run time' } });
    expect(replaced.stdout.toString('utf8')).toBe(nativeReplaced.stdout);
    expect(replaced.status).toBe(5);
  });

  it('keeps kernel log lines out of stdout; a crash exits 139 with a fault report naming the function', () => {
    const crash = fixturePath('crash', 'glibc-static');
    const native = runNative(crash);
    expect(native.signal).toBe('SIGSEGV');
    const guest = ukify('run', crash);
    expect(guest.stdout.toString('utf8')).toBe(native.stdout);
    expect(guest.status).toBe(139);
    expect(guest.stderr).toMatch(/^ukify: SIGSEGV.* in crash_here\+0x[0-9a-f]+$/m);
  });

  it('an unknown syscall returns ENOSYS and the program carries on', () => {
    for (const variant of ['glibc-static', 'musl-static'] as const) {
      const probe = fixturePath('probe', variant);
      const native = runNative(probe);
      const guest = ukify('run', probe);
      expect(guest.stdout.toString('utf8')).toBe(native.stdout);
      expect(guest.stdout.toString('utf8')).toContain('errno=ENOSYS');
      expect(guest.status).toBe(0);
    }
  });

  it('busybox echo hi', () => {
    const guest = ukify('run', '/bin/busybox', '--', 'echo', 'hi');
    expect(guest.stdout.toString('utf8')).toBe('hi\n');
    expect(guest.status).toBe(0);
  });

  it('--verbose shows the whole kernel log on stderr, never on stdout', () => {
    const hello = fixturePath('hello', 'musl-static');
    const quiet = ukify('run', hello);
    const verbose = ukify('run', '--verbose', hello);
    expect(verbose.stdout).toEqual(quiet.stdout);
    const logLines = (s: string): number => s.split('\n').filter((l) => l.startsWith('ukify: ')).length;
    expect(logLines(verbose.stderr)).toBeGreaterThan(logLines(quiet.stderr));
    expect(verbose.stderr).not.toMatch(/ukify-exit/);
  });

  it('ukify <elf> prints the coverage line and builds an image that runs', () => {
    const hello = fixturePath('hello', 'musl-static');
    const made = ukify(hello);
    expect(made.status).toBe(0);
    expect(made.stdout.toString('utf8')).toMatch(
      /^hello\.musl-static: \d+ syscalls: \d+ full, \d+ partial, \d+ fake, \d+ stub, \d+ missing; \d+ unresolved sites\nwrote hello\.musl-static\.img /,
    );
    const guest = ukify('run', 'hello.musl-static.img', '--', '4');
    expect(guest.stdout.toString('utf8')).toBe(runNative(hello, ['4']).stdout);
    expect(guest.status).toBe(4);
  });

  it('piped stdin reaches the program (bytes; no end-of-file yet)', () => {
    const r = spawnSync(process.execPath, [cli, 'run', '/bin/busybox', '--', 'head', '-n', '1'], { cwd: work, timeout: 60_000, input: 'first line\nsecond\n' });
    expect(r.stdout.toString('utf8')).toBe('first line\n');
    expect(r.status).toBe(0);
  });

  /** `ukify run ARGS` with cat-like input: resolves once the guest echoed "ping" (it is up). */
  async function startEchoing(args: string[]) {
    const child = spawn(process.execPath, [cli, 'run', ...args], { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    await new Promise<void>((done) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('ping\n')) done();
      });
      child.stdin.write('ping\n');
    });
    // QEMU, started by setpriv (which execs it), is our child
    const qemuPids = execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
    expect(qemuPids.length).toBe(1);
    return { child, exited, stderr: () => err, qemu: qemuPids[0] ?? 0 };
  }

  it('SIGINT asks every process to stop (SIGTERM): cat ends by it, status 143, QEMU gone', async () => {
    const run = await startEchoing(['/bin/busybox', '--', 'cat']);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(143);
    expect(run.stderr()).toMatch(/stop requested: SIGTERM sent to 1 process/);
    expect(() => process.kill(run.qemu, 0)).toThrow(/ESRCH/);
  });

  it('a program that ignores SIGTERM is powered off after --stop-timeout: 130 for SIGINT, QEMU gone', async () => {
    const run = await startEchoing(['--stop-timeout', '1', '/bin/busybox', '--', 'sh', '-c', 'trap "" TERM; cat']);
    const t0 = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    expect(() => process.kill(run.qemu, 0)).toThrow(/ESRCH/);
  });

  it('a program is run from a temporary image that is removed afterwards', () => {
    const tmp = join(work, 'tmp');
    mkdirSync(tmp);
    const r = spawnSync(process.execPath, [cli, 'run', fixturePath('hello', 'musl-static'), '--', '2'], { cwd: work, timeout: 60_000, input: '', env: { ...process.env, TMPDIR: tmp } });
    expect(r.status).toBe(2);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('memory: hello runs in 8 MiB', () => {
    const guest = ukify('run', '-m', '8M', fixturePath('hello', 'musl-static'), '--', '9');
    expect(guest.status).toBe(9);
  });
});
