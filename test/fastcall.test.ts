// The vDSO's fast entries for the identity calls (issue 14, part 2; kernel/vdso/ids.h): fixtures/fastcall.c
// jumps to each entry as a rewritten syscall site does and compares the result with the raw syscall,
// and the registers, the flags and the red zone with what they were, in the first process, after
// set*id, in forked children, in a reparented grandchild, in two threads, in vfork and CLONE_VM
// children (and their parent meanwhile) and after execve. Natively the entries do not exist and only the fixture's own syscall entry is checked: the
// output must be the same. In the guest the identity page also says which calls it answered, so the
// fast path (not only the kernel's slow path) is known to have been taken where it should be.
import { describe, expect, it } from 'vitest';
import { fixturePath, variants } from '../fixtures/index.js';
import { runGuest } from './kernel-boot.js';
import { sameAsNative } from './helpers/same-as-native.js';

/** Which calls the identity page answers in user space at each place (getpid getppid gettid getuid geteuid getgid getegid). */
const all = '1111111';
const expectedPage: Record<string, string> = {
  'first process': all,
  'after setgid(1000)': all,
  'after setregid(1001, 1002)': all,
  'after setresgid(1003, 1004, 1005)': all,
  'after setreuid(3000, 3001)': all,
  'after setresuid(-1, 3000, -1)': all,
  'after setfsuid(3000)': all,
  'after setuid(3000)': all,
  'after the set*id child exited': all,
  'forked child': all,
  'parent after the forked child exited': all,
  'grandchild before its parent exits': all,
  'grandchild reparented': all,
  'after the reparented grandchild ended': all,
  // two threads: gettid has two answers, the kernel gives them
  'second thread': '1101111',
  'first thread while the second lives': '1101111',
  'first thread after the second ended': all,
  // the address space is shared by two processes: nothing is answered in user space
  'vfork child': '0000000',
  'after the vfork child exited': all,
  'vfork child before execve': '0000000',
  'after execve (a vfork child)': all,
  "after the vfork child's execve": all,
  'parent while its CLONE_VM child lives': '0000000',
  'CLONE_VM child': '0000000',
  'after the CLONE_VM child exited': all,
  'after execve of the first process': all,
};

/** "PLACE: ok (page DIGITS)" lines as place -> digits; a line that is not ok fails the test. */
function pages(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(.*): (ok|FAILED.*) \(page ([01-]+)\)$/.exec(line);
    if (m === null) continue;
    expect(m[2], line).toBe('ok');
    out[m[1] ?? ''] = m[3] ?? '';
  }
  return out;
}

describe.each(variants)('fastcall.%s', (variant) => {
  const program = fixturePath('fastcall', variant);

  it('the fast entries answer as the raw syscalls, registers, flags and red zone kept, as natively', async () => {
    await sameAsNative('fastcall', variant);
  });

  it('the identity page answers in user space exactly where it can', async () => {
    const guest = await runGuest(program, { args: ['page'] });
    expect(guest.exit, guest.log).toBe(0);
    expect(pages(guest.stdout)).toEqual(expectedPage);
  });
});

describe('fastcall traced', () => {
  it('traced (strace), every identity call goes to the kernel through the slow path, with the same answers and registers', async () => {
    const guest = await runGuest(fixturePath('fastcall', 'glibc-static'), { args: ['page'], trace: true });
    expect(guest.exit, guest.log).toBe(0);
    const seen = pages(guest.stdout);
    expect(Object.keys(seen).sort()).toEqual(Object.keys(expectedPage).sort());
    for (const digits of Object.values(seen)) expect(digits).toBe('0000000');
  });
});
