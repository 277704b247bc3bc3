// Signal delivery in the kernel, under QEMU (TCG): each program's guest output and status are
// compared with the same binary run natively on Linux.
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { fixturePath, type FixtureName } from '../fixtures/index.js';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { runGuest, runTracedNative } from './kernel-boot.js';
import { runNative, type NativeRun } from './helpers/native.js';

const staticVariants = ['glibc-static', 'glibc-static-pie', 'musl-static'] as const;
type StaticVariant = (typeof staticVariants)[number];

/** The status a shell reports: the exit status, or 128 + the number of the killing signal. */
function shellStatus(run: NativeRun): number {
  if (run.status !== null) return run.status;
  if (run.signal === null) throw new Error('native run has neither a status nor a signal');
  return 128 + constants.signals[run.signal];
}

async function sameAsNative(prog: FixtureName, variant: StaticVariant, args: readonly string[] = []): Promise<void> {
  const path = fixturePath(prog, variant);
  const ref = runNative(path, args);
  expect(ref.timedOut, 'native run timed out').toBe(false);
  expect(ref.stdout).not.toContain('FAILED');
  const guest = await runGuest(path, { args });
  expect(guest.stdout).toBe(ref.stdout);
  expect(guest.exit).toBe(shellStatus(ref));
  expect(guest.log).not.toMatch(/unsupported syscall|panic/);
}

describe('signals fixture: handlers, pending on block, SIG_IGN, SIGSEGV recovered with siglongjmp', () => {
  for (const variant of staticVariants) {
    it(`signals.${variant} behaves as natively`, () => sameAsNative('signals', variant));
  }
});

describe('sys-sigframe: frame, restored state, fault codes, order, flags, alternate stack', () => {
  for (const variant of staticVariants) {
    it(`sys-sigframe.${variant} prints what it prints natively`, () => sameAsNative('sys-sigframe', variant));
  }
});

describe('default actions (guest status = 128 + signal, as the native shell sees it)', () => {
  const modes = ['term', 'abort', 'kill9', 'badstack', 'blockedsegv', 'segvinhandler', 'ignored'];
  for (const mode of modes) {
    it(`sys-sigframe ${mode}`, () => sameAsNative('sys-sigframe', 'musl-static', [mode]));
  }

  it('abort under glibc: 134 and a log line naming SIGABRT', async () => {
    await sameAsNative('sys-sigframe', 'glibc-static', ['abort']);
    const guest = await runGuest(fixturePath('sys-sigframe', 'glibc-static'), { args: ['abort'] });
    expect(guest.log).toMatch(/SIGABRT \(sent by tkill\/tgkill\) with no handler, rip [0-9a-f]+ in /);
  });

  it('a frame that cannot be written ends the app with SIGSEGV and says why', async () => {
    const guest = await runGuest(fixturePath('sys-sigframe', 'musl-static'), { args: ['badstack'] });
    expect(guest.log).toMatch(/cannot deliver SIGILL: the signal frame does not fit/);
    expect(guest.exit).toBe(139);
  });
});

// The signal syscalls of the catalog; those not `missing` must be exercised by sys-signal. pause
// and the timers (alarm, getitimer, setitimer) are sys-threads' (kernel.test.ts checks its strace).
const signalSyscalls = new Set([
  'rt_sigaction', 'rt_sigprocmask', 'rt_sigreturn', 'rt_sigpending', 'rt_sigtimedwait', 'rt_sigqueueinfo',
  'rt_sigsuspend', 'rt_tgsigqueueinfo', 'sigaltstack', 'kill', 'tkill', 'tgkill',
  'signalfd', 'signalfd4', 'restart_syscall',
]);

describe('sys-signal: every signal syscall the catalog claims, with its error cases', () => {
  it('natively, under strace, it makes each non-missing signal syscall of the catalog', () => {
    const claimed = [...loadCatalog().values()]
      .filter((e) => signalSyscalls.has(e.name) && e.status !== 'missing')
      .map((e) => e.name);
    expect(claimed.length).toBeGreaterThanOrEqual(10);
    for (const variant of ['glibc-static', 'musl-static'] as const) {
      const traced = runTracedNative(fixturePath('sys-signal', variant));
      expect(traced.stdout).not.toContain('FAILED');
      expect(claimed.filter((n) => !traced.syscalls.has(n)), variant).toEqual([]);
    }
  });

  for (const variant of staticVariants) {
    it(`sys-signal.${variant} prints what it prints natively`, () => sameAsNative('sys-signal', variant));
  }
});

describe('crash without a handler', () => {
  for (const variant of ['glibc-static', 'musl-static'] as const) {
    it(`crash.${variant}: 139 and a fault report`, async () => {
      const path = fixturePath('crash', variant);
      expect(runNative(path).signal).toBe('SIGSEGV');
      const guest = await runGuest(path);
      expect(guest.exit).toBe(139);
      expect(guest.log).toMatch(/SIGSEGV \(page fault\) at address 0, rip [0-9a-f]+ in crash_here\+0x/);
    });
  }
});
