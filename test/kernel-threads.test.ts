// Threads, the scheduler and blocking calls in the kernel, under QEMU (TCG, one vCPU): each guest
// run is compared with the same binary run natively on Linux.
import { describe, expect, it } from 'vitest';
import { fixturePath, variants } from '../fixtures/index.js';
import { runGuest } from './kernel-boot.js';
import { sameAsNative } from './helpers/same-as-native.js';

describe('threads fixture: pthread create/join, mutex counter, condvar queue, TLS', () => {
  for (const variant of variants) {
    it(`threads.${variant} behaves as natively`, () => sameAsNative('threads', variant));
  }
});

// sys-threads prints only what does not depend on ids or timing: clone/clone3 and their tids,
// futex ops and errors, a futex timeout and sleeps never shorter than asked (checked inside the
// program with CLOCK_MONOTONIC/CLOCK_REALTIME), EINTR and SA_RESTART, tgkill/tkill to one thread,
// sigsuspend/sigtimedwait/pause ended by another thread, a 200000-byte write through a 64 KiB pipe,
// two spinning threads that can only both finish when the timer preempts them, exit_group from a
// second thread. The static glibc and musl builds also run in kernel.test.ts (with its strace check).
describe('sys-threads: the thread, futex and blocking syscalls', () => {
  for (const variant of ['glibc-static-pie', 'glibc-dynamic', 'musl-dynamic'] as const) {
    it(`sys-threads.${variant} prints what it prints natively`, () => sameAsNative('sys-threads', variant));
  }

  it('every thread blocked with no timer pending: the app ends as deadlocked (134) and says so', async () => {
    // natively this run would never end: there is nothing to compare with
    const guest = await runGuest(fixturePath('sys-threads', 'musl-static'), { args: ['deadlock'] });
    expect(guest.exit).toBe(134);
    expect(guest.log).toMatch(/deadlock: every thread is blocked and no timer is pending/);
  });
});
