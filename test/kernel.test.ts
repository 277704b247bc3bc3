// The kernel and the syscall shim, booted under QEMU (TCG): static programs behave as natively.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, repoRoot } from '../fixtures/index.js';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { bootImage, buildImage, kernelDebugElf, kernelElf, runGuest, runTracedNative, type GuestRun, type TracedRun } from './kernel-boot.js';
import { runNative } from './helpers/native.js';

const shimDir = join(repoRoot, 'syscall-shim');
const catalog = [...loadCatalog().values()];
const handled = catalog.filter((e) => e.status !== 'missing');

/** Names of the `long sys_NAME(` handlers written in syscall-shim/*.c (the generated ones aside). */
function handlerNames(): Set<string> {
  const names = new Set<string>();
  for (const f of readdirSync(shimDir).filter((n) => n.endsWith('.c'))) {
    for (const m of readFileSync(join(shimDir, f), 'utf8').matchAll(/^long sys_([a-z0-9_]+)\(/gm)) names.add(m[1]);
  }
  return names;
}

describe('catalog and handlers', () => {
  it('every non-missing catalog entry has a handler and every handler a non-missing entry', () => {
    const handlers = handlerNames();
    // a stub declared with an errno has its body generated (build/kernel/gen/stubs.c)
    const generated = new Set(handled.filter((e) => e.errno !== undefined).map((e) => e.name));
    expect(handlers.size).toBeGreaterThan(0);
    expect(handled.map((e) => e.name).filter((n) => !handlers.has(n) && !generated.has(n))).toEqual([]);
    const statusOf = new Map(catalog.map((e) => [e.name, e.status]));
    expect([...handlers].filter((n) => statusOf.get(n) === undefined || statusOf.get(n) === 'missing')).toEqual([]);
  });

  it('a stub whose body the catalog generates has no hand-written body, and every other stub has one', () => {
    const handlers = handlerNames();
    const stubs = catalog.filter((e) => e.status === 'stub');
    expect(stubs.filter((e) => e.errno !== undefined && handlers.has(e.name)).map((e) => e.name)).toEqual([]);
    expect(stubs.filter((e) => e.errno === undefined && !handlers.has(e.name)).map((e) => e.name)).toEqual([]);
  });

  it('the kernel links every handler of the catalog (from readelf on the kernel, not our sources)', () => {
    const syms = spawnSync('nm', ['--defined-only', kernelDebugElf], { encoding: 'utf8' }).stdout;
    const defined = new Set([...syms.matchAll(/ T sys_([a-z0-9_]+)$/gm)].map((m) => m[1]));
    expect(handled.map((e) => e.name).filter((n) => !defined.has(n))).toEqual([]);
  });

  it('notes explain every partial, fake and stub status', () => {
    expect(catalog.filter((e) => ['partial', 'fake', 'stub'].includes(e.status) && e.note.trim() === '')).toEqual([]);
  });
});

// Guest syscall test programs: fixtures/sys-*.c, with the stdin each reads.
const sysPrograms: Record<string, string> = {
  'sys-basic': '',
  'sys-io': 'first line\nsecond\n',
  'sys-mem': '',
  'sys-time': '',
  'sys-signal': '',
  'sys-files': '',
  'sys-misc': '',
  'sys-threads': '',
  'sys-poll': '',
  'sys-net': '',
  'sys-net6': '',
  'sys-unix': '',
  'sys-proc': '',
};

describe('syscall test programs', () => {
  const native = new Map<string, TracedRun>();
  beforeAll(() => {
    for (const [prog, input] of Object.entries(sysPrograms)) {
      native.set(prog, runTracedNative(fixturePath(prog as `sys-${string}`, 'glibc-static'), [], input));
    }
  });

  it('natively, under strace, they make every syscall the catalog claims (non-missing)', () => {
    const traced = new Set<string>();
    for (const run of native.values()) for (const s of run.syscalls) traced.add(s);
    expect(handled.map((e) => e.name).filter((n) => !traced.has(n))).toEqual([]);
  });

  it('natively they pass their own checks', () => {
    for (const [prog, run] of native) {
      expect(run.stdout, prog).not.toContain('FAILED');
      expect(run.stdout.length, prog).toBeGreaterThan(0);
    }
  });

  // What the guest's kernel saw them call (its --strace records), over every run below.
  const inGuest = new Set<string>();
  for (const variant of ['glibc-static', 'musl-static'] as const) {
    for (const [prog, input] of Object.entries(sysPrograms)) {
      it(`${prog}.${variant} prints in the guest what it prints natively, same status`, async () => {
        const path = fixturePath(prog as `sys-${string}`, variant);
        const ref = runTracedNative(path, [], input);
        const guest = await runGuest(path, { input, trace: true });
        expect(guest.stdout).toBe(ref.stdout);
        expect(guest.exit).toBe(ref.status);
        expect(guest.log).not.toMatch(/unsupported syscall/);
        for (const s of guest.syscalls ?? []) inGuest.add(s);
      });
    }
  }

  it('in the guest, they made every syscall the catalog claims (full, partial, fake): the kernel handled each', () => {
    expect(inGuest.size, 'the guest runs above did not run').toBeGreaterThan(0);
    const claimed = catalog.filter((e) => e.status === 'full' || e.status === 'partial' || e.status === 'fake');
    expect(claimed.map((e) => e.name).filter((n) => !inGuest.has(n))).toEqual([]);
  });

  it('sys-io writes fd 2 to COM2', async () => {
    const guest = await runGuest(fixturePath('sys-io', 'musl-static'), { input: sysPrograms['sys-io'] });
    expect(guest.stderr).toBe('to stderr\n');
  });
});

describe('static hello', () => {
  for (const variant of ['glibc-static', 'glibc-static-pie', 'musl-static'] as const) {
    it(`${variant}: argv, env and exit status as natively, in 8 MiB of RAM`, async () => {
      const path = fixturePath('hello', variant);
      const args = ['42', 'two words', 'x"y'];
      const ref = runNative(path, args, { env: { UKIFY_GREETING: 'hi there' } });
      const guest = await runGuest(path, { args, env: ['UKIFY_GREETING=hi there'], memoryMiB: 8 });
      // argv[0] is printed as a basename; the guest's path is the program's name in the initrd
      expect(guest.stdout).toBe(ref.stdout);
      expect(ref.status).toBe(42);
      expect(guest.exit).toBe(42);
      expect(guest.log).not.toMatch(/unsupported syscall/);
    });
  }

  it('command-line arguments after -- replace argv[1..], env= adds a variable', async () => {
    const path = fixturePath('hello', 'musl-static');
    const image = await buildImage(path);
    const guest = bootImage(image, { append: 'env=UKIFY_GREETING=cmd -- 7 "a b"' });
    const ref = runNative(path, ['7', 'a b'], { env: { UKIFY_GREETING: 'cmd' } });
    expect(guest.stdout).toBe(ref.stdout);
    expect(guest.exit).toBe(7);
  });
});

describe('faults and unknown syscalls', () => {
  for (const variant of ['glibc-static', 'glibc-static-pie', 'musl-static'] as const) {
    it(`crash.${variant}: status 139 and a report naming crash_here`, async () => {
      const path = fixturePath('crash', variant);
      const ref = runNative(path);
      expect(ref.signal).toBe('SIGSEGV');
      const guest: GuestRun = await runGuest(path);
      expect(guest.stdout).toBe(ref.stdout);
      expect(guest.exit).toBe(139);
      expect(guest.log).toMatch(/SIGSEGV .* in crash_here\+0x[0-9a-f]+/);
      expect(guest.log).toMatch(/rip=/);
    });
  }

  for (const variant of ['glibc-static', 'musl-static'] as const) {
    it(`probe.${variant}: ENOSYS, logged once by name, the program continues`, async () => {
      const path = fixturePath('probe', variant);
      const ref = runNative(path);
      const guest = await runGuest(path);
      expect(guest.stdout).toBe(ref.stdout);
      expect(guest.exit).toBe(ref.status);
      expect(guest.log.match(/ukify: unsupported syscall '\?' \(500\)/g)?.length).toBe(1);
    });
  }

  it('an image without a bundle says so and ends with 127', () => {
    const guest = bootImage(kernelElf);
    expect(guest.log).toMatch(/no bundle/);
    expect(guest.exit).toBe(127);
  });
});

describe('time fixture', () => {
  for (const variant of ['glibc-static', 'glibc-static-pie', 'musl-static'] as const) {
    it(`time.${variant} behaves as natively`, async () => {
      const path = fixturePath('time', variant);
      const ref = runNative(path);
      const guest = await runGuest(path);
      expect(guest.stdout).toBe(ref.stdout);
      expect(guest.exit).toBe(ref.status);
    });
  }
});

describe('Debian busybox-static', () => {
  const busybox = '/bin/busybox';
  const cases: string[][] = [['echo', 'hello', 'world'], ['true'], ['false'], ['seq', '1', '5'], ['uname', '-s']];
  for (const args of cases) {
    it(`busybox ${args.join(' ')}: Linux's output and status`, async () => {
      const ref = runNative(busybox, args);
      const guest = await runGuest(busybox, { args });
      expect(guest.stdout).toBe(ref.stdout);
      expect(guest.exit).toBe(ref.status);
    });
  }
});
