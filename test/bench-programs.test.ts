// The pure parts of `npm run bench -- programs` (no VM is booted): the Linux guest's initramfs for a
// dynamic program, checked with cpio, readelf and ldd, and run natively in a chroot of its files;
// the table formatting and the option parsing.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeInitramfs } from '../bench/lib-linux-guest.js';
import { formatTable, ratio } from '../bench/lib-table.js';
import { parseOptions } from '../bench/programs.js';

const python = '/usr/bin/python3';
const pythonLib = '/usr/lib/python3.11';

function cpioNames(archive: string): string[] {
  return execFileSync('cpio', ['-t', '--quiet', '-F', archive], { encoding: 'utf8' }).trim().split('\n');
}

describe('the Linux guest initramfs of a dynamic program', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ukify-bench-programs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the loader readelf names and the libraries ldd finds, at their paths, and a directory tree as find sees it', () => {
    const data = join(dir, 'data');
    mkdirSync(join(data, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(data, 'a.txt'), 'a');
    writeFileSync(join(data, 'sub', 'deeper', 'b.txt'), 'b');
    symlinkSync('a.txt', join(data, 'link'));
    const archive = join(dir, 'py.cpio');
    makeInitramfs(python, ['-c', 'pass'], archive, [{ host: data, guest: '/opt/data' }]);
    const names = cpioNames(archive);

    expect(names.slice(0, 3)).toEqual(['init', 'prog', 'args']);
    const interp = /Requesting program interpreter: (\S+)\]/.exec(execFileSync('readelf', ['-lW', python], { encoding: 'utf8' }))?.[1];
    expect(interp).toBeDefined();
    expect(names).toContain(interp?.slice(1));
    const ldd = execFileSync('ldd', [python], { encoding: 'utf8' });
    const libraries = [...ldd.matchAll(/=> (\/\S+)/g)].map((m) => m[1] ?? '');
    expect(libraries.length).toBeGreaterThan(2);
    for (const lib of libraries) expect(names).toContain(lib.slice(1));

    const found = execFileSync('find', ['.', '-mindepth', '1'], { cwd: data, encoding: 'utf8' }).trim().split('\n').map((p) => `opt/data/${p.slice(2)}`);
    expect(names.filter((n) => n.startsWith('opt/data/')).sort()).toEqual(found.sort());
    const listing = execFileSync('cpio', ['-tv', '--quiet', '-F', archive], { encoding: 'utf8' });
    expect(listing).toMatch(/^l.* opt\/data\/link -> a\.txt$/m);

    // Linux's initramfs unpacker makes no missing parent directory: each must come before its contents.
    names.forEach((name, i) => {
      const parent = name.split('/').slice(0, -1).join('/');
      if (parent !== '') expect(names.slice(0, i), `${parent} before ${name}`).toContain(parent);
    });
  });

  it('runs python3 with its stdlib natively when chrooted into the unpacked archive, as on the host', (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip();
    const archive = join(dir, 'py-stdlib.cpio');
    const code = 'import json, sys; print(json.dumps({"a": [1, 2]}), sys.prefix)';
    makeInitramfs(python, ['-c', code], archive, [{ host: pythonLib, guest: pythonLib }]);
    const tree = join(dir, 'tree');
    mkdirSync(tree);
    execFileSync('cpio', ['-idm', '--quiet', '-D', tree, '-F', archive]);
    const inChroot = execFileSync('/usr/sbin/chroot', [tree, '/prog', '-c', code], { encoding: 'utf8', env: {} });
    expect(inChroot).toBe(execFileSync(python, ['-c', code], { encoding: 'utf8', env: {} }));
  });
});

describe('bench tables', () => {
  it('pads the label column left, values right, and spells out a row that could not run', () => {
    const text = formatTable(['where', 'ms', 'ratio'], [
      { label: 'native', cells: ['12.5', '1.00x'] },
      { label: 'a longer label', cells: ['1234.0', '98.72x'] },
      { label: 'Linux guest', unavailable: 'no kernel package' },
    ]);
    expect(text.split('\n')).toEqual([
      'where               ms   ratio',
      'native            12.5   1.00x',
      'a longer label  1234.0  98.72x',
      'Linux guest     not available (no kernel package)',
    ]);
  });

  it('gives ratios with two decimals, and "-" without a base', () => {
    expect(ratio(393.5, 14.3)).toBe('27.52x');
    expect(ratio(5, undefined)).toBe('-');
    expect(ratio(undefined, 3)).toBe('-');
    expect(ratio(5, 0)).toBe('-');
  });
});

describe('bench programs options', () => {
  it('has defaults and takes --runs, --builds, --memory', () => {
    expect(parseOptions([])).toEqual({ runs: 5, builds: 3, memoryMiB: 512 });
    expect(parseOptions(['--runs', '2', '--memory', '256', '--builds', '1'])).toEqual({ runs: 2, builds: 1, memoryMiB: 256 });
  });

  it('refuses a missing or malformed number and an unknown flag', () => {
    expect(() => parseOptions(['--runs'])).toThrow("--runs wants a positive whole number, got ''");
    expect(() => parseOptions(['--runs', '0'])).toThrow('positive whole number');
    expect(() => parseOptions(['--memory', '1.5'])).toThrow('positive whole number');
    expect(() => parseOptions(['--fast'])).toThrow("unknown argument '--fast'");
  });
});
