// The vDSO (issue 14, part 1): the kernel maps one into every process and the libcs and Go use it
// unchanged. fixtures/vdso.c compares each time call through the vDSO with the raw syscall made
// between two of its readings (before <= syscall <= after), finds the vDSO's symbols itself, reads
// /proc/self/maps, writes to [vvar], forks and execs; its output must be the same as natively.
// Traced, the calls the vDSO answers must reach the kernel no more than they reach Linux's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath, variants } from '../fixtures/index.js';
import { goFixturePath } from '../fixtures/go/index.js';
import { imageFile, imageFiles } from '../packager/image-files.js';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { runGuest, runTracedNative } from './kernel-boot.js';
import { ukifyRun } from './helpers/guest.js';
import { runNative } from './helpers/native.js';
import { sameAsNative } from './helpers/same-as-native.js';
import { scratch } from './helpers/scratch.js';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** The syscalls a vDSO can answer (Linux's x86-64 vDSO exports these five). */
const timeCalls = ['clock_gettime', 'gettimeofday', 'time', 'getcpu', 'clock_getres'];
const seen = (calls: Set<string>): string[] => timeCalls.filter((c) => calls.has(c));

describe.each(variants)('vdso.%s', (variant) => {
  const program = fixturePath('vdso', variant);

  it('the time calls agree with the syscalls, the mappings and fork/execve as natively', async () => {
    await sameAsNative('vdso', variant);
  });

  it('libc time calls answered by the vDSO reach the kernel as under Linux (traced)', async () => {
    const args = ['quiet', '500'];
    const native = runTracedNative(program, args);
    const guest = await runGuest(program, { args, trace: true });
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.exit).toBe(native.status);
    expect(seen(guest.syscalls ?? new Set())).toEqual(seen(native.syscalls));
  });
});

describe('Go reads its clocks through the vDSO', () => {
  for (const build of ['static', 'stripped'] as const) {
    const program = goFixturePath('clock', build);

    it(`go-clock.${build}: runtime nanotime and time.Now between raw syscalls, never back, as natively`, async () => {
      const native = runNative(program);
      expect(native.stdout).not.toContain('FAILED');
      const guest = await runGuest(program);
      expect(guest.stdout).toBe(native.stdout);
      expect(guest.exit).toBe(native.status);
    });

    it(`go-clock.${build}: time.Now reaches the kernel as under Linux (traced)`, async () => {
      const args = ['quiet', '20000'];
      const native = runTracedNative(program, args);
      const guest = await runGuest(program, { args, trace: true });
      expect(guest.stdout).toBe(native.stdout);
      expect(seen(guest.syscalls ?? new Set())).toEqual(seen(native.syscalls));
    });
  }
});

// fixtures/vdso-call.c calls the vDSO directly and has no clock syscall of its own: the vDSO's
// fallback syscall (for the CPU-time clocks) is outside the analysis, and the kernel must let it through.
describe('the allowlist lets the vDSO make its own syscalls', () => {
  const work = scratch('ukify-vdso');
  const program = fixturePath('vdso-call', 'musl-static');
  const catalog = [...loadCatalog().values()];
  const nr = (name: string): number => catalog.find((e) => e.name === name)?.nr as number;
  const cli = resolve('dist/cli/main.js');

  it('clock_gettime and clock_getres of CLOCK_PROCESS_CPUTIME_ID, under --strict, as natively', () => {
    const image = join(work.dir, 'vdso-call.img');
    const built = spawnSync(process.execPath, [cli, 'build', program, '-o', image], { encoding: 'utf8', timeout: 300_000 });
    expect(built.status, built.stderr).toBe(0);
    const allow = Buffer.from(imageFile(imageFiles(readFileSync(image)), '/.ukify/allow')?.data ?? []).toString('utf8');
    const allowed = allow.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => Number(l.split(' ')[0]));
    expect(allowed.length).toBeGreaterThan(0);
    expect(allowed).not.toContain(nr('clock_gettime'));
    expect(allowed).not.toContain(nr('clock_getres'));
    for (const args of [['clock_gettime', '2'], ['clock_getres', '2'], ['clock_gettime', '3'], ['clock_gettime', '99']]) {
      const native = runNative(program, args);
      const guest = ukifyRun([image, '--strict', '--', ...args], { cwd: work.dir });
      expect(guest.stdout, args.join(' ')).toBe(native.stdout);
      expect(guest.status).toBe(native.status);
      expect(guest.stderr).not.toContain('allowlist');
    }
  });
});
