// The rewriter's trampolines for the identity calls (rewriter/trampoline.ts), run: fixtures/rewritten-sites.c
// makes getpid, getppid, gettid, getuid, geteuid, getgid and getegid from its own `mov $NR, %eax; syscall`
// sites, which the build patches into jumps to trampolines that read the identity page
// (kernel/vdso/ids.h). Around each site it checks every other register, both flag patterns and
// the red zone, and compares the answer with syscall() (never patched), in the first process,
// after set*id, in forked children, in a reparented grandchild, in two threads, in vfork and
// CLONE_VM children (and their parent meanwhile) and after execve. Natively the sites are plain
// syscalls: the output must be the same. In the guest the fixture also says which of its sites the
// image's copy has patched, what the identity page answers in user space at each place, and, with
// false answers forged into its page, which sites took them (the answer came from the page).
// With --no-rewrite the same fixture passes with nothing patched; traced, the page answers nothing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturePath, repoRoot, variants } from '../fixtures/index.js';
import { runGuest } from './kernel-boot.js';
import { runNative } from './helpers/native.js';
import { sameAsNative } from './helpers/same-as-native.js';
import { scratch } from './helpers/scratch.js';

const cli = join(repoRoot, 'dist/cli/main.js');
const work = scratch('rewritten-sites');

/** Which calls the identity page answers in user space at each place (getpid getppid gettid getuid geteuid getgid getegid). */
const all = '1111111';
const none = '0000000';
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
  'vfork child': none,
  'after the vfork child exited': all,
  'vfork child before execve': none,
  'after execve (a vfork child)': all,
  "after the vfork child's execve": all,
  'parent while its CLONE_VM child lives': none,
  'CLONE_VM child': none,
  'after the CLONE_VM child exited': all,
  'after execve of the first process': all,
};

interface PageRun {
  /** place -> the page's digits there; every such line must be ok */
  pages: Record<string, string>;
  /** "sites patched DIGITS": which sites the image's copy has patched */
  patched: string | undefined;
  /** "forged page DIGITS": which sites answered from a forged identity page */
  forged: string | undefined;
}

function parsePageRun(stdout: string): PageRun {
  const pages: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(.*): (ok|FAILED.*) \(page ([01-]+)\)$/.exec(line);
    if (m === null) continue;
    expect(m[2], line).toBe('ok');
    pages[m[1] ?? ''] = m[3] ?? '';
  }
  return {
    pages,
    patched: /^sites patched (\S+)$/m.exec(stdout)?.[1],
    forged: /^forged page (\S+)$/m.exec(stdout)?.[1],
  };
}

/** A guest's page-mode output as the same mode prints it natively, where there is no identity page. */
function asNative(stdout: string): string {
  return stdout
    .replace(/ \(page [01]+\)$/gm, ' (page -)')
    .replace(/^(sites patched|forged page) \S+$/gm, '$1 -');
}

/** The address ranges of the fixture's site functions (site_getpid...), from its symbols. */
function siteFunctions(program: string): { name: string; start: bigint; end: bigint }[] {
  const r = spawnSync('nm', ['-S', '--defined-only', program], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  const out: { name: string; start: bigint; end: bigint }[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) T (site_get\w+)$/.exec(line);
    if (m !== null) out.push({ name: m[3] ?? '', start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[1]}`) + BigInt(`0x${m[2]}`) });
  }
  return out;
}

describe.each(variants)('rewritten-sites.%s', (variant) => {
  const program = fixturePath('rewritten-sites', variant);

  it('ukify analyze --sites: each of the fixture\'s identity sites is answered in user space', () => {
    const fns = siteFunctions(program);
    expect(fns.map((f) => f.name).sort()).toEqual(['site_getegid', 'site_geteuid', 'site_getgid', 'site_getpid', 'site_getppid', 'site_gettid', 'site_getuid']);
    const r = spawnSync(process.execPath, [cli, 'analyze', program, '--sites'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (const f of fns) {
      const inside = r.stdout.split('\n').filter((line) => {
        const m = /^(\S+)\+0x([0-9a-f]+) /.exec(line);
        if (m === null || m[1] !== program) return false;
        const a = BigInt(`0x${m[2]}`);
        return a >= f.start && a < f.end;
      });
      const call = f.name.slice('site_'.length);
      expect(inside, f.name).toEqual([expect.stringMatching(new RegExp(`  ${call} \\(\\d+\\)  answered in user space$`))]);
    }
  });

  it('rewritten: the sites answer as the raw syscalls, registers, flags and red zone kept, as natively', async () => {
    await sameAsNative('rewritten-sites', variant);
  });

  it('rewritten: every site patched, the identity page answers exactly where it can, and the sites take its answers', async () => {
    const native = runNative(program, ['page']);
    expect(native.status).toBe(0);
    const guest = await runGuest(program, { args: ['page'] });
    expect(guest.exit, guest.log).toBe(0);
    const run = parsePageRun(guest.stdout);
    expect(run.patched).toBe(all);
    expect(run.pages).toEqual(expectedPage);
    expect(run.forged).toBe(all);
    expect(asNative(guest.stdout)).toBe(native.stdout);
  });

  it('--no-rewrite: nothing patched, the same checks pass, as natively', async () => {
    const native = runNative(program, ['page']);
    const guest = await runGuest(program, { args: ['page'], rewrite: false });
    expect(guest.exit, guest.log).toBe(0);
    const run = parsePageRun(guest.stdout);
    expect(run.patched).toBe(none);
    expect(run.pages).toEqual(expectedPage); // the kernel keeps the page current all the same
    expect(run.forged).toBe(none);
    expect(asNative(guest.stdout)).toBe(native.stdout);
  });
});

describe('rewritten-sites: the build', () => {
  it('ukify build says it answered sites in user space; --no-rewrite says it rewrote nothing', () => {
    const program = fixturePath('rewritten-sites', 'glibc-dynamic');
    const build = (...flags: string[]): string => {
      const r = spawnSync(process.execPath, [cli, 'build', program, '-o', join(work.dir, 'image.img'), ...flags], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const m = /syscall sites: rewrote (\d+) of (\d+) \((\d+) answered in user space\)/.exec(build());
    expect(m).not.toBeNull();
    // the fixture's seven sites at least (libc's own wrappers add more)
    expect(Number(m?.[3])).toBeGreaterThanOrEqual(7);
    expect(build('--no-rewrite')).toMatch(/syscall sites: not rewritten \(--no-rewrite\)/);
  });
});

describe('rewritten-sites traced', () => {
  it('traced (strace), the page answers nothing: every site takes its trampoline\'s syscall, with the same answers and registers', async () => {
    const guest = await runGuest(fixturePath('rewritten-sites', 'glibc-static'), { args: ['page'], trace: true });
    expect(guest.exit, guest.log).toBe(0);
    const run = parsePageRun(guest.stdout);
    expect(run.patched).toBe(all);
    expect(Object.keys(run.pages).sort()).toEqual(Object.keys(expectedPage).sort());
    for (const digits of Object.values(run.pages)) expect(digits).toBe(none);
    // a page made writable keeps what was forged in it: the trampolines read it all the same
    expect(run.forged).toBe(all);
    // the slow path's syscalls reach the kernel (and its trace)
    for (const name of ['getpid', 'getppid', 'gettid', 'getuid', 'geteuid', 'getgid', 'getegid']) expect(guest.syscalls?.has(name), name).toBe(true);
  });
});
