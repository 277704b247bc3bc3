// The syscall allowlist (issue 13, part 3), through the CLI as a user runs it. fixtures/sys-allowlist.c
// makes getcpu from code it writes at run time (no analysis can see it) or from a syscall instruction
// whose number it reads from memory (the analysis sees the instruction, not the number); natively
// both succeed. getcpu is in none of the fixture's analyzed sets (checked below, not assumed).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, repoRoot, type Variant } from '../fixtures/index.js';
import { imageFile, imageFiles } from '../packager/image-files.js';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { ukifyRun } from './helpers/guest.js';
import { runNative } from './helpers/native.js';
import { scratch } from './helpers/scratch.js';

const cli = resolve('dist/cli/main.js');
const work = scratch('ukify-allowlist');
const catalog = loadCatalog();
const GETCPU = [...catalog.values()].find((e) => e.name === 'getcpu')?.nr as number;
/** SIGSYS's number, from the kernel's own header (Linux's numbering). */
const SIGSYS = Number(/#define\s+SIGSYS\s+(\d+)/.exec(readFileSync(join(repoRoot, 'kernel', 'api', 'signal.h'), 'utf8'))?.[1]);

function ukify(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: work.dir, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The syscall numbers an image's /.ukify/allow lists, and its site lines. */
function allowFile(image: string): { numbers: number[]; sites: string[]; strict: boolean } {
  const file = imageFile(imageFiles(readFileSync(image)), '/.ukify/allow');
  if (file === undefined) throw new Error(`${image} has no /.ukify/allow`);
  const lines = Buffer.from(file.data).toString('utf8').split('\n');
  return {
    numbers: lines.filter((l) => /^\d+ /.test(l)).map((l) => Number(l.split(' ')[0])),
    sites: lines.filter((l) => l.startsWith('site ') || l.startsWith('call ')),
    strict: lines.includes('strict'),
  };
}

const variants: Variant[] = ['musl-static', 'glibc-dynamic', 'glibc-static-pie'];

describe.each(variants)('sys-allowlist.%s', (variant) => {
  const program = fixturePath('sys-allowlist', variant);
  let image = '';

  beforeAll(() => {
    image = join(work.dir, `${variant}.img`);
    const built = ukify(['build', program, '-o', image]);
    expect(built.status, built.stderr).toBe(0);
  });

  it('the image allows the analyzed set, and the report counts what the image holds', () => {
    const built = ukify(['build', program, '-o', join(work.dir, `${variant}-again.img`)]);
    const allow = allowFile(image);
    expect(allow.numbers).not.toContain(GETCPU);
    expect(allow.sites.length).toBeGreaterThan(0);
    const implemented = [...catalog.values()].filter((e) => e.status !== 'missing');
    const allowed = implemented.filter((e) => allow.numbers.includes(e.nr)).length;
    expect(built.stdout).toContain(`the image allows ${allowed} of the ${implemented.length} syscalls the kernel implements`);
  });

  it('a syscall no analysis can see fails with ENOSYS, is logged with where it came from, and listed at exit', () => {
    expect(runNative(program, ['jit', String(GETCPU)]).stdout).toBe(`jit ${GETCPU}: 0\n`);
    const guest = ukifyRun([image, '--', 'jit', String(GETCPU)], { cwd: work.dir });
    expect(guest.stdout).toBe(`jit ${GETCPU}: ENOSYS\n`);
    expect(guest.status).toBe(0);
    expect(guest.stderr).toMatch(new RegExp(`ukify: allowlist: refused getcpu \\(${GETCPU}\\) from 0x[0-9a-f]+\\n`));
    expect(guest.stderr).toContain('ukify: the allowlist refused 1 syscall the analysis did not find: getcpu\n');
    expect(guest.stderr).toContain('--allow getcpu');
  });

  it('an instruction whose number the analysis cannot tell may make any syscall, as natively', () => {
    const native = runNative(program, ['site', String(GETCPU)]);
    const guest = ukifyRun([image, '--', 'site', String(GETCPU)], { cwd: work.dir });
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.stderr).not.toContain('allowlist');
  });

  it('--allow (name or number) and --no-allowlist at run time let the call through', () => {
    for (const flags of [['--allow', 'getcpu'], ['--allow', String(GETCPU)], ['--no-allowlist']]) {
      const guest = ukifyRun([image, ...flags, '--', 'jit', String(GETCPU)], { cwd: work.dir });
      expect(guest.stdout, flags.join(' ')).toBe(`jit ${GETCPU}: 0\n`);
      expect(guest.stderr).not.toContain('allowlist');
    }
  });

  it('--strict kills the program with SIGSYS, as seccomp does', () => {
    const guest = ukifyRun([image, '--strict', '--', 'jit', String(GETCPU)], { cwd: work.dir });
    expect(guest.stdout).toBe('');
    expect(guest.status).toBe(128 + SIGSYS);
    expect(guest.stderr).toMatch(/SIGSYS \(a syscall outside the allowlist\)/);
  });
});

describe('the allowlist at build time', () => {
  const program = fixturePath('sys-allowlist', 'musl-static');

  it('ukify build --allow puts the syscall in the image; --strict goes in too', () => {
    const image = join(work.dir, 'allowed.img');
    const built = ukify(['build', program, '-o', image, '--allow', 'getcpu', '--strict']);
    expect(built.status, built.stderr).toBe(0);
    expect(allowFile(image).numbers).toContain(GETCPU);
    expect(allowFile(image).strict).toBe(true);
    expect(ukifyRun([image, '--', 'jit', String(GETCPU)], { cwd: work.dir }).stdout).toBe(`jit ${GETCPU}: 0\n`);
  });

  it('ukify build --no-allowlist makes an image that allows every syscall', () => {
    const image = join(work.dir, 'open.img');
    const built = ukify(['build', program, '-o', image, '--no-allowlist']);
    expect(built.stdout).toContain('the allowlist is off: the image allows every syscall');
    expect(imageFile(imageFiles(readFileSync(image)), '/.ukify/allow')).toBeUndefined();
    expect(ukifyRun([image, '--', 'jit', String(GETCPU)], { cwd: work.dir }).stdout).toBe(`jit ${GETCPU}: 0\n`);
  });

  it.each(['gcc', 'musl-gcc'])('syscall() given a number the analysis cannot tell (%s) may make any syscall, as natively', (cc) => {
    const source = join(work.dir, 'anynr.c');
    writeFileSync(source, [
      '#include <errno.h>', '#include <stdio.h>', '#include <stdlib.h>', '#include <unistd.h>',
      'int main(int c, char **v) { unsigned cpu; long r = syscall(atol(v[1]), &cpu, 0, 0); printf("%ld %d\\n", r, r < 0 ? errno : 0); return 0; }', '',
    ].join('\n'));
    const binary = join(work.dir, `anynr-${cc}`);
    expect(spawnSync(cc, ['-O2', '-o', binary, source]).status).toBe(0);
    const image = join(work.dir, `anynr-${cc}.img`);
    expect(ukify(['build', binary, '-o', image]).status).toBe(0);
    expect(allowFile(image).sites.some((l) => l.startsWith('call '))).toBe(true);
    const native = runNative(binary, [String(GETCPU)]);
    const guest = ukifyRun([image, '--', String(GETCPU)], { cwd: work.dir });
    expect(native.stdout).toBe('0 0\n');
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.stderr).not.toContain('allowlist');
  });

  it('an unknown syscall name is one clear error line', () => {
    const r = ukify(['build', program, '-o', join(work.dir, 'x.img'), '--allow', 'nosuchcall']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('ukify: --allow nosuchcall: not an x86-64 syscall (give a name such as pkey_alloc, or its number)\n');
  });
});
