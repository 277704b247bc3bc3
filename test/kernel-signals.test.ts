// Signal delivery in the kernel, under QEMU (TCG): each program's guest output and status are
// compared with the same binary run natively on Linux.
import { describe, expect, it } from 'vitest';
import { fixturePath, type FixtureName } from '../fixtures/index.js';
import { runGuest, runTracedNative } from './kernel-boot.js';
import { runNative } from './helpers/native.js';

const staticVariants = ['glibc-static', 'glibc-static-pie', 'musl-static'] as const;

function sameAsNative(prog: FixtureName, variant: (typeof staticVariants)[number]): void {
  const path = fixturePath(prog, variant);
  const ref = runNative(path);
  expect(ref.status, 'native status').not.toBeNull();
  expect(ref.stdout).not.toContain('FAILED');
  const guest = runGuest(path);
  expect(guest.stdout).toBe(ref.stdout);
  expect(guest.exit).toBe(ref.status);
  expect(guest.log).not.toMatch(/unsupported syscall|panic/);
}

describe('signals fixture: handlers, pending on block, SIG_IGN, SIGSEGV recovered with siglongjmp', () => {
  for (const variant of staticVariants) {
    it(`signals.${variant} behaves as natively`, () => sameAsNative('signals', variant));
  }
});

describe('crash without a handler', () => {
  for (const variant of ['glibc-static', 'musl-static'] as const) {
    it(`crash.${variant}: 139 and a fault report`, () => {
      const path = fixturePath('crash', variant);
      expect(runNative(path).signal).toBe('SIGSEGV');
      const guest = runGuest(path);
      expect(guest.exit).toBe(139);
      expect(guest.log).toMatch(/SIGSEGV \(page fault\) at address 0, rip [0-9a-f]+ in crash_here\+0x/);
    });
  }
});
