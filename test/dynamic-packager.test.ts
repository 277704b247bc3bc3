// What the packager puts into the initrd for a dynamically linked program: the app, its PT_INTERP
// loader and every library, at the paths the host's loader uses (ldd is the oracle: it asks the
// host's ld.so), checked in the image with GNU cpio. No kernel needed: a fake kernel is linked here.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, repoRoot } from '../fixtures/index.js';
import { imageFor } from '../packager/build.js';
import { libraryLayout } from '../packager/libraries.js';
import { fakeKernelSource, linkFakeKernel } from './packager-fake-kernel.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-dynamic-pkg-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let kernel = '';
beforeAll(() => {
  kernel = linkFakeKernel(work, 'kernel', fakeKernelSource);
});

const cli = resolve('dist/cli/main.js');
const nginx = '/usr/sbin/nginx';

/** The initrd of an image, cut out with the bundle offsets of kernel/IMAGE.md. */
function initrdOf(image: Uint8Array): Buffer {
  const bytes = Buffer.from(image);
  const at = bytes.indexOf('UKIFYBN1');
  expect(at).toBeGreaterThan(0);
  const offset = at + Number(bytes.readBigUInt64LE(at + 24));
  return bytes.subarray(offset, offset + Number(bytes.readBigUInt64LE(at + 32)));
}

interface Listed {
  names: Set<string>;
  /** Symlinks: name → target. */
  links: Map<string, string>;
  /** Where the archive was extracted. */
  dir: string;
}

let extractions = 0;
async function listInitrd(program: string): Promise<Listed> {
  // --no-rewrite: the files go in as they are (test/rewriter.test.ts checks the rewritten copies)
  const initrd = initrdOf((await imageFor({ program, args: [], env: [], kernel, discover: false, rewrite: false })).image);
  // The generated /etc files (hosts, passwd, ...) are not this part's concern.
  const names = new Set(
    execFileSync('cpio', ['-t', '--quiet'], { input: initrd, encoding: 'utf8' }).trim().split('\n')
      .filter((n) => n !== 'etc' && !n.startsWith('etc/')),
  );
  const links = new Map<string, string>();
  for (const line of execFileSync('cpio', ['-t', '-v', '--quiet'], { input: initrd, encoding: 'utf8' }).trim().split('\n')) {
    const m = /^l\S+\s.* (\S+) -> (\S+)$/.exec(line);
    if (m) links.set(m[1] as string, m[2] as string);
  }
  const dir = join(work, `x${extractions++}`);
  mkdirSync(dir);
  execFileSync('cpio', ['-i', '-d', '--quiet'], { cwd: dir, input: initrd });
  return { names, links, dir };
}

/** The files the host's loader opens for a program, from ldd (it runs the host's ld.so in list mode). */
function lddPaths(program: string, musl: boolean): string[] {
  const out = musl
    ? execFileSync('/lib/ld-musl-x86_64.so.1', ['--list', program], { encoding: 'utf8' })
    : execFileSync('ldd', [program], { encoding: 'utf8' });
  const paths = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)\s+\(/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) paths.add(m[1] as string);
  }
  return [...paths];
}

function parents(path: string): string[] {
  const parts = path.split('/');
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Every file, its parent directories, the app and its symbol list: nothing else. */
function expectedNames(program: string, files: readonly string[]): Set<string> {
  const names = new Set([basename(program), '.ukify', '.ukify/symbols', '.ukify/allow']);
  for (const f of files) {
    const rel = f.slice(1);
    names.add(rel);
    for (const p of parents(rel)) names.add(p);
  }
  return names;
}

async function expectLibrariesInside(program: string, musl: boolean): Promise<void> {
  const paths = lddPaths(program, musl);
  expect(paths.length).toBeGreaterThan(0);
  const got = (await listInitrd(program));
  expect(got.names).toEqual(expectedNames(program, paths));
  expect(got.links.size).toBe(0);
  for (const p of paths) expect(readFileSync(join(got.dir, p)).equals(readFileSync(p))).toBe(true);
  expect(readFileSync(join(got.dir, basename(program))).equals(readFileSync(program))).toBe(true);
}

describe('initrd of a dynamically linked program', () => {
  it('hello.glibc-dynamic: the app, ld-linux at its PT_INTERP path, libc where ldd finds it', () => {
    const program = fixturePath('hello', 'glibc-dynamic');
    expect(lddPaths(program, false)).toContain('/lib64/ld-linux-x86-64.so.2');
    expectLibrariesInside(program, false);
  });

  it('hello.musl-dynamic: the app and the musl loader (which is its libc)', () => {
    const program = fixturePath('hello', 'musl-dynamic');
    expect(lddPaths(program, true)).toEqual(['/lib/ld-musl-x86_64.so.1']);
    expectLibrariesInside(program, true);
  });

  it.skipIf(!existsSync(nginx))('/usr/sbin/nginx: every library of its closure at the path ldd gives', () => {
    expectLibrariesInside(nginx, false);
  });

  it('a static program gets no loader and no libraries', async () => {
    const program = fixturePath('hello', 'glibc-static');
    expect((await listInitrd(program)).names).toEqual(expectedNames(program, []));
  });

  it('a library found through RUNPATH outside the default folders: at its path, and linked from /lib/x86_64-linux-gnu', async () => {
    const dir = join(work, 'runpath');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    execFileSync('gcc', ['-shared', '-fPIC', '-o', join(dir, 'sub', 'libukifyextra.so'), '-x', 'c', '/dev/null']);
    const program = join(dir, 'hello-extra');
    execFileSync('gcc', ['-O2', '-I', join(repoRoot, 'fixtures'), '-o', program, join(repoRoot, 'fixtures', 'hello.c'),
      '-Wl,--no-as-needed', `-L${join(dir, 'sub')}`, '-lukifyextra', '-Wl,-rpath,$ORIGIN/sub']);
    const paths = lddPaths(program, false);
    const extra = join(dir, 'sub', 'libukifyextra.so');
    expect(paths).toContain(extra);
    const got = (await listInitrd(program));
    const link = 'lib/x86_64-linux-gnu/libukifyextra.so';
    expect(got.names).toEqual(new Set([...expectedNames(program, paths), link]));
    expect(got.links).toEqual(new Map([[link, extra]]));
    expect(readFileSync(join(got.dir, extra)).equals(readFileSync(extra))).toBe(true);
  });
});

describe('library layout', () => {
  it('links musl libraries outside /lib, /usr/local/lib and /usr/lib from /lib', () => {
    const interp = '/lib/ld-musl-x86_64.so.1';
    const layout = libraryLayout(interp, [
      { soname: 'libz.so.1', path: '/usr/lib/x86_64-linux-musl/libz.so.1', neededBy: ['/app'] },
      { soname: 'libm.so.6', path: '/usr/lib/libm.so.6', neededBy: ['/app'] },
      { soname: interp, path: interp, neededBy: ['/app'] },
    ]);
    expect(layout).toEqual([
      { path: '/usr/lib/x86_64-linux-musl/libz.so.1', source: '/usr/lib/x86_64-linux-musl/libz.so.1' },
      { path: '/usr/lib/libm.so.6', source: '/usr/lib/libm.so.6' },
      { path: interp, source: interp },
      { path: '/lib/libz.so.1', symlinkTo: '/usr/lib/x86_64-linux-musl/libz.so.1' },
    ]);
  });
});

describe('ukify build and run: a library that cannot be found', () => {
  const dir = join(work, 'missing');
  const program = join(dir, 'needs-gone');
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    execFileSync('gcc', ['-shared', '-fPIC', '-o', join(dir, 'libukifygone.so'), '-x', 'c', '/dev/null']);
    execFileSync('gcc', ['-O2', '-I', join(repoRoot, 'fixtures'), '-o', program, join(repoRoot, 'fixtures', 'hello.c'),
      '-Wl,--no-as-needed', `-L${dir}`, '-lukifygone']);
    rmSync(join(dir, 'libukifygone.so'));
  });

  it.each([['build'], ['run']])('ukify %s: one line naming the library and who needs it, status 2, no image', (command) => {
    expect(existsSync(cli)).toBe(true);
    const r = spawnSync(process.execPath, [cli, command, program], { cwd: dir, encoding: 'utf8', timeout: 60_000, input: '' });
    expect(r.stderr).toMatch(/^ukify: [^\n]*cannot find shared library libukifygone\.so \(needed by [^\n]*needs-gone\)[^\n]*\n$/);
    expect(r.status).toBe(2);
    expect(existsSync(join(dir, 'needs-gone.img'))).toBe(false);
  });
});
