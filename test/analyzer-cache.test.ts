// The analysis cache never serves a stale result: a file's hash is remembered by its identity and
// change times, so a file rewritten in place (same size) is hashed again; a warm analysis (the whole
// program's linked result from the cache) is the cold one; and the analysis with worker threads is the
// one without. Workers run compiled code: the last test loads the analyzer from dist/ (the global setup builds it).
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeProgram } from '../analyzer/analyze.js';
import { sha256 } from '../analyzer/cache.js';
import { hashFile } from '../analyzer/file-hash.js';
import { fixturePath, fixturesDir } from '../fixtures/index.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-analyzer-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let dirs = 0;
const freshDir = (): string => join(work, `cache-${dirs++}`);

describe('file hashes', () => {
  it('an unchanged file is not read again; a file rewritten in place is', () => {
    const file = join(work, 'program');
    copyFileSync(fixturePath('hello', 'glibc-static'), file);
    const cache = freshDir();
    const first = hashFile(file, cache, 0n);
    expect(first.sha256).toBe(sha256(readFileSync(file)));
    expect(first.bytes).toBeDefined();
    expect(hashFile(file, cache, 0n)).toEqual({ sha256: first.sha256 });
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(file, bytes);
    const changed = hashFile(file, cache, 0n);
    expect(changed.sha256).toBe(sha256(bytes));
    expect(changed.sha256).not.toBe(first.sha256);
  });

  it('a file changed less than the settling time ago is not remembered', () => {
    const file = join(work, 'fresh');
    copyFileSync(fixturePath('hello', 'glibc-static'), file);
    const cache = freshDir();
    hashFile(file, cache);
    expect(hashFile(file, cache).bytes).toBeDefined();
  });
});

describe('warm and parallel analyses', () => {
  const programs = [fixturePath('hello', 'glibc-dynamic'), join(fixturesDir, 'fnptr.glibc-static-stripped')];

  it.each(programs)('%s: the warm analysis is the cold one', async (program) => {
    const cache = freshDir();
    const cold = await analyzeProgram(program, { cacheDir: cache, paths: true });
    expect(await analyzeProgram(program, { cacheDir: cache, paths: true })).toEqual(cold);
    expect(await analyzeProgram(program, { cacheDir: cache })).toEqual(await analyzeProgram(program, { cacheDir: freshDir() }));
  });

  // nginx: eight objects, enough work for the worker to take some of them once it is ready.
  it.each([programs[0], '/usr/sbin/nginx'])('%s: two threads give the analysis of one', async (program) => {
    const compiled = (await import(pathToFileURL(resolve('dist', 'analyzer', 'analyze.js')).href)) as typeof import('../analyzer/analyze.js');
    const one = await compiled.analyzeProgram(program, { cacheDir: freshDir(), threads: 1, paths: true });
    const two = await compiled.analyzeProgram(program, { cacheDir: freshDir(), threads: 2, paths: true });
    expect(two).toEqual(one);
  });
});
