// `ukify run` on bad input, and `ukify build` → image checks, as a user runs them (node dist/cli/main.js).
// Images here are built on a kernel-shaped ELF that does not boot (test/packager-fake-kernel.ts):
// every check below happens before QEMU runs the guest, so the real kernel is not needed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { fakeKernelSource, linkFakeKernel } from './packager-fake-kernel.js';

const cli = resolve('dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'ukify-run-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const hello = fixturePath('hello', 'musl-static');
let fakeKernel = '';

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ukify(args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [cli, ...args], {
    cwd: work, encoding: 'utf8', timeout: 60_000, env: { ...process.env, UKIFY_KERNEL: fakeKernel, ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: Result, pattern: RegExp): void {
  expect(r.stderr).toMatch(/^ukify: [^\n]+\n$/);
  expect(r.stderr).toMatch(pattern);
  expect(r.status).toBe(2);
}

beforeAll(() => {
  expect(existsSync(cli)).toBe(true);
  fakeKernel = linkFakeKernel(work, 'kernel', fakeKernelSource);
});

describe('ukify run: bad input', () => {
  it('a missing file', () => {
    expectOneLineError(ukify(['run', join(work, 'nope.img')]), /cannot read file .*nope\.img: no such file/);
  });

  it('a file that is neither an image nor a program', () => {
    writeFileSync(join(work, 'x.img'), 'not an image\n');
    expectOneLineError(ukify(['run', join(work, 'x.img')]), /x\.img is neither an ukify image, an ELF program nor a #! script/);
  });

  it('a malformed -m', () => {
    expectOneLineError(ukify(['run', hello, '-m', 'lots']), /bad memory size 'lots'/);
    expectOneLineError(ukify(['run', hello, '-m', '0']), /bad memory size '0'/);
  });

  it('memory too small for the image', () => {
    const built = ukify(['build', hello, '-o', join(work, 'small.img')]);
    expect(built.status).toBe(0);
    expectOneLineError(ukify(['run', join(work, 'small.img'), '-m', '2M']), /memory too small: .*small\.img needs at least \d+ MiB/);
  });

  it('QEMU not installed', () => {
    const built = ukify(['build', hello, '-o', join(work, 'q.img')]);
    expect(built.status).toBe(0);
    expectOneLineError(ukify(['run', join(work, 'q.img')], { PATH: join(work, 'empty-path') }), /qemu-system-x86_64 not found: install QEMU/);
  });

  it('more arguments than the kernel command line holds', () => {
    const built = ukify(['build', hello, '-o', join(work, 'many.img')]);
    expect(built.status).toBe(0);
    const many = Array.from({ length: 65 }, (_, i) => String(i));
    expectOneLineError(ukify(['run', join(work, 'many.img'), '--', ...many]), /at most 32 -e variables and 64 arguments .*ukify build/);
    const long = 'x'.repeat(2100);
    expectOneLineError(ukify(['run', join(work, 'many.img'), '--', long]), /kernel command line of \d+ bytes \(at most 2047\)/);
  });

  it('the kernel not built', () => {
    expectOneLineError(ukify(['run', hello], { UKIFY_KERNEL: join(work, 'no-kernel.elf') }), /the kernel .*no-kernel\.elf is not built \(run: make -C kernel\)/);
  });
});

describe('ukify build: the image', () => {
  it('writes <name>.img here by default, replaces its own image, and holds the program and its symbols', () => {
    // --no-rewrite: the program goes in as it is (test/rewriter.test.ts checks the rewritten copies)
    const first = ukify(['build', hello, '--no-rewrite', '-e', 'A=1', '--', 'x', 'y z']);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^wrote hello\.musl-static\.img \(/m);
    const second = ukify(['build', hello, '--no-rewrite']);
    expect(second.status).toBe(0);

    // The initrd, cut out of the image with the offsets of kernel/IMAGE.md, read by GNU cpio.
    const image = readFileSync(join(work, 'hello.musl-static.img'));
    const at = image.indexOf('UKIFYBN1');
    expect(at).toBeGreaterThan(0);
    const initrdOffset = at + Number(image.readBigUInt64LE(at + 24));
    const initrdSize = Number(image.readBigUInt64LE(at + 32));
    const out = join(work, 'initrd');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('cpio', ['-i', '-d', '--quiet'], { cwd: out, input: image.subarray(initrdOffset, initrdOffset + initrdSize) });
    expect(readFileSync(join(out, 'hello.musl-static'))).toEqual(readFileSync(hello));

    // The symbol list against readelf: every defined FUNC symbol with an address.
    const readelf = execFileSync('readelf', ['-sW', hello], { encoding: 'utf8' });
    const expected = new Set(
      [...readelf.matchAll(/^\s*\d+:\s+([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+(?:FUNC|IFUNC)\s+\S+\s+\S+\s+(\d+)\s+(\S+)$/gm)]
        .filter((m) => BigInt(`0x${m[1]}`) !== 0n)
        .map((m) => `${BigInt(`0x${m[1]}`).toString(16)} ${BigInt(m[2] ?? '0').toString(16)} ${m[4]}`),
    );
    const lines = readFileSync(join(out, '.ukify', 'symbols'), 'utf8').trim().split('\n');
    expect(new Set(lines)).toEqual(expected);
    const starts = lines.map((l) => BigInt(`0x${l.split(' ')[0]}`));
    expect(starts).toEqual([...starts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(lines.some((l) => l.endsWith(' main'))).toBe(true);
  });

  it('replaces an existing non-image file when it is named with -o', () => {
    const named = join(work, 'named.img');
    writeFileSync(named, 'old\n');
    expect(ukify(['build', hello, '-o', named]).status).toBe(0);
    expect(readFileSync(named).subarray(0, 4)).toEqual(Buffer.from('\x7fELF', 'latin1'));
  });
});
