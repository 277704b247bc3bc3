// Library search order: glibc (ld.so.cache, its default dirs) versus musl (its path file, no cache).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findLibrary, glibcSearchOrder, muslSearchOrder, readObject } from '../analyzer/libraries.js';
import { fixturePath } from '../fixtures/index.js';

describe('library search order', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ukify-libs-'));
    writeFileSync(join(dir, 'ukm.c'), 'int ukm(void) { return 7; }\n');
    execFileSync('musl-gcc', ['-shared', '-fPIC', '-o', join(dir, 'libukm.so'), join(dir, 'ukm.c')]);
  });

  it("musl's path file lists dirs separated by newlines or colons; without one, musl's defaults", () => {
    expect(muslSearchOrder('/a\n/b:/c\n\n').dirs).toEqual(['/a', '/b', '/c']);
    expect(muslSearchOrder(undefined).dirs).toEqual(['/lib', '/usr/local/lib', '/usr/lib']);
    expect(muslSearchOrder('').dirs).toEqual(['/lib', '/usr/local/lib', '/usr/lib']);
  });

  it("a musl program never gets a library from glibc's cache or dirs", () => {
    const program = readObject(fixturePath('hello', 'musl-dynamic'));
    expect(findLibrary('libz.so.1', program, glibcSearchOrder())).toBe('/lib/x86_64-linux-gnu/libz.so.1');
    expect(findLibrary('libz.so.1', program, muslSearchOrder(undefined))).toBeUndefined();
  });

  it("a musl program finds a library in a dir its path file lists", () => {
    const program = readObject(fixturePath('hello', 'musl-dynamic'));
    expect(findLibrary('libukm.so', program, muslSearchOrder(`/nonexistent\n${dir}\n`))).toBe(join(dir, 'libukm.so'));
  });
});
