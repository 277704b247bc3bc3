// A fixture that checks itself: natively it passes (status 0, no FAILED line), and in the guest it
// prints the same and ends the same, with no unsupported syscall, panic or deadlock on the log.
import { expect } from 'vitest';
import { fixturePath, type FixtureName, type Variant } from '../../fixtures/index.js';
import { runGuest } from '../kernel-boot.js';
import { runNative } from './native.js';

export async function sameAsNative(prog: FixtureName, variant: Variant): Promise<void> {
  const path = fixturePath(prog, variant);
  const ref = runNative(path);
  expect(ref.timedOut, 'native run timed out').toBe(false);
  expect(ref.status).toBe(0);
  expect(ref.stdout).not.toContain('FAILED');
  const guest = await runGuest(path);
  expect(guest.stdout).toBe(ref.stdout);
  expect(guest.exit).toBe(ref.status);
  expect(guest.log).not.toMatch(/unsupported syscall|panic|deadlock/);
}
