// Processes in the kernel, under QEMU (TCG): the sys-proc fixture (fork, exec, wait, groups,
// SIGCHLD, kill, SIGPIPE, shared memory, orphans, /proc, stop and continue) prints in the guest
// what it prints natively; the static builds also run in kernel.test.ts, with its strace check.
// Then what has no native twin: the ids of a VM's first process, and a fork bomb.
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { runGuest } from './kernel-boot.js';
import { sameAsNative } from './helpers/same-as-native.js';

describe('sys-proc: processes as Linux makes them', () => {
  for (const variant of ['glibc-dynamic', 'musl-dynamic', 'glibc-static-pie'] as const) {
    it(`sys-proc.${variant} prints in the guest what it prints natively`, () => sameAsNative('sys-proc', variant));
  }

  it('the first process is pid 1 with no parent; its first child is pid 2, child of 1', async () => {
    const guest = await runGuest(fixturePath('sys-proc', 'musl-static'), { args: ['ids'] });
    expect(guest.stdout).toBe('pid 1, ppid 0\nchild: pid 2, ppid 1\n');
    expect(guest.exit).toBe(0);
  });

  // Memory runs out first in a small VM (ENOMEM: a reserve keeps the running processes going),
  // the machine's 1024 threads in a larger one (EAGAIN).
  for (const memoryMiB of [32, 128]) {
    it(`a fork bomb in ${memoryMiB} MiB: fork fails with EAGAIN or ENOMEM, every child is killed and reaped, status 0`, async () => {
      const guest = await runGuest(fixturePath('sys-proc', 'musl-static'), { args: ['forkbomb'], memoryMiB });
      expect(guest.stdout).toMatch(/^forkbomb: fork failed with (EAGAIN|ENOMEM)$/m);
      expect(guest.stdout).toContain('forkbomb: made at least one child: yes\n');
      expect(guest.stdout).toContain('forkbomb: every child reaped: yes\n');
      expect(guest.exit).toBe(0);
      expect(guest.log).not.toMatch(/panic|deadlock|out of memory/);
    });
  }
});
