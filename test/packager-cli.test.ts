// `ukify build` and `ukify <elf>` on bad input, run as a user runs them (node dist/cli/main.js):
// one clear line on stderr, exit status 2, nothing written.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';

const cli = resolve('dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'ukify-build-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function ukify(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [cli, ...args], { cwd: work, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/^ukify: [^\n]+\n$/);
  expect(r.stderr).toMatch(pattern);
}

beforeAll(() => {
  expect(existsSync(cli)).toBe(true);
});

describe('ukify build: bad input', () => {
  it('a missing program', () => {
    expectOneLineError(ukify('build', join(work, 'nope')), /cannot read program .*nope: no such file/);
  });

  it('a file that is not an ELF program', () => {
    const text = join(work, 'notes.txt');
    writeFileSync(text, 'just text\n');
    expectOneLineError(ukify('build', text), /notes\.txt: not an ELF file/);
    expect(existsSync(join(work, 'notes.txt.img'))).toBe(false);
  });

  it('a directory', () => {
    expectOneLineError(ukify('build', work), /it is a directory/);
  });

  it('never replaces an existing file that is not an image unless named with -o', () => {
    const program = fixturePath('hello', 'musl-static');
    const precious = join(work, 'hello.musl-static.img');
    writeFileSync(precious, 'precious data\n');
    expectOneLineError(ukify('build', program), /hello\.musl-static\.img exists and is not an ukify image/);
    expectOneLineError(ukify(program), /exists and is not an ukify image/);
    expect(readFileSync(precious, 'utf8')).toBe('precious data\n');
  });

  it('refuses to write the image over the program itself', () => {
    const copy = join(work, 'prog');
    writeFileSync(copy, readFileSync(fixturePath('hello', 'musl-static')));
    expectOneLineError(ukify('build', copy, '-o', copy), /over the program itself/);
  });

  it('a malformed -e', () => {
    expectOneLineError(ukify('build', fixturePath('hello', 'musl-static'), '-e', 'NOEQUALS'), /bad environment variable 'NOEQUALS'/);
    expectOneLineError(ukify('build', fixturePath('hello', 'musl-static'), '-e', '=x'), /bad environment variable/);
  });
});
