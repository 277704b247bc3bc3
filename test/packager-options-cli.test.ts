// `ukify build` with --file, --dir, -w, -e and ukify.json, run as a user runs it (node dist/cli/main.js)
// with a fake kernel: the initrd is cut out of the image and read back with GNU cpio, and compared
// with the host tree as find(1), stat(1) and readlink(1) see it. Bad options: one line, exit 2,
// nothing written.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { fakeKernelSource, linkFakeKernel } from './packager-fake-kernel.js';

const cli = resolve('dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'ukify-options-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const hello = fixturePath('hello', 'musl-static');
let kernel = '';

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ukify(args: string[], cwd = work): Result {
  const r = spawnSync('node', [cli, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, UKIFY_KERNEL: kernel } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function expectOneLineError(r: Result, pattern: RegExp): void {
  expect(r.stderr).toMatch(/^ukify: [^\n]+\n$/);
  expect(r.stderr).toMatch(pattern);
  expect(r.status).toBe(2);
}

/** The image's initrd (bundle offsets of kernel/IMAGE.md; the fake kernel holds no magic of its own). */
function initrdOf(imagePath: string): Buffer {
  const bytes = readFileSync(imagePath);
  const at = bytes.indexOf('UKIFYBN1');
  expect(at).toBeGreaterThan(0);
  const offset = at + Number(bytes.readBigUInt64LE(at + 24));
  return bytes.subarray(offset, offset + Number(bytes.readBigUInt64LE(at + 32)));
}

interface Row {
  mode: string;
  name: string;
  target?: string;
}

/** `cpio -tv` rows: mode string, name, symlink target. */
function listing(initrd: Buffer): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of execFileSync('cpio', ['-t', '-v', '--quiet'], { input: initrd, encoding: 'utf8' }).trim().split('\n')) {
    const m = /^(\S{10})\s+\d+\s+\S+\s+\S+\s+\d+\s+\w{3}\s+\d+\s+[\d:]+\s+(.*?)(?: -> (.*))?$/.exec(line);
    if (m === null) throw new Error(`unexpected cpio line: ${line}`);
    rows.set(m[2] as string, { mode: m[1] as string, name: m[2] as string, ...(m[3] === undefined ? {} : { target: m[3] }) });
  }
  return rows;
}

function extract(initrd: Buffer, name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  execFileSync('cpio', ['-i', '-d', '-m', '--quiet'], { cwd: dir, input: initrd });
  return dir;
}

/** The host tree as find and stat see it: path relative to root → `ls -l` mode string (and link target). */
function hostTree(root: string): Map<string, Row> {
  const out = execFileSync('find', ['.', '-mindepth', '1', '(', '-type', 'f', '-o', '-type', 'd', '-o', '-type', 'l', ')', '-printf', '%P\\t%M\\t%l\\n'], { cwd: root, encoding: 'utf8' });
  const rows = new Map<string, Row>();
  for (const line of out.trim().split('\n')) {
    const [name, mode, target] = line.split('\t') as [string, string, string];
    rows.set(name, { mode, name, ...(target === '' ? {} : { target }) });
  }
  return rows;
}

/** Byte equality without vitest's element-by-element diff (slow on megabytes). */
function sameBytes(a: string, b: string): boolean {
  return Buffer.compare(readFileSync(a), readFileSync(b)) === 0;
}

const tree = join(work, 'tree');
beforeAll(() => {
  kernel = linkFakeKernel(work, 'kernel', fakeKernelSource);
  mkdirSync(join(tree, 'sub', 'deeper'), { recursive: true });
  writeFileSync(join(tree, 'a.txt'), 'alpha\n');
  writeFileSync(join(tree, 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(tree, 'run.sh'), 0o750);
  writeFileSync(join(tree, 'sub', 'b.bin'), Buffer.from([0, 1, 2, 255]));
  writeFileSync(join(tree, 'sub', 'deeper', 'empty'), '');
  mkdirSync(join(tree, 'emptydir'));
  chmodSync(join(tree, 'emptydir'), 0o700);
  symlinkSync('a.txt', join(tree, 'rel-link'));
  symlinkSync('/nowhere/at/all', join(tree, 'dangling'));
  symlinkSync('sub', join(tree, 'dir-link'));
  utimesSync(join(tree, 'a.txt'), 1_600_000_000, 1_600_000_000);
  execFileSync('mkfifo', [join(tree, 'fifo')]);
  writeFileSync(join(work, 'my-hosts'), '10.1.2.3 somewhere\n');
});

describe('ukify build --dir/--file/-w', () => {
  let rows: Map<string, Row>;
  let out: string;
  let result: Result;

  beforeAll(() => {
    result = ukify(['build', hello, '--no-rewrite', '-o', 'tree.img', '--dir', `${tree}:/srv/tree`, '--file', 'my-hosts:/etc/hosts', '--file', `${tree}/a.txt:/opt/a-copy`, '-w', '/var/work']);
    const initrd = initrdOf(join(work, 'tree.img'));
    rows = listing(initrd);
    out = extract(initrd, 'out-tree');
  });

  it('succeeds and warns once about the FIFO it skipped', () => {
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(`ukify: warning: --dir ${tree}:/srv/tree: skipped ${tree}/fifo (not a regular file, directory or symlink)\n`);
  });

  it('holds the directory tree with the modes and symlink targets find(1) sees on the host', () => {
    const host = hostTree(tree);
    const guest = new Map([...rows].filter(([n]) => n.startsWith('srv/tree/')).map(([n, r]) => [n.slice('srv/tree/'.length), { ...r, name: n.slice('srv/tree/'.length) }]));
    expect(guest).toEqual(host);
    expect(rows.get('srv/tree')?.mode).toBe(execFileSync('stat', ['-c', '%A', tree], { encoding: 'utf8' }).trim());
  });

  it('extracts to the same bytes and the same modification times', () => {
    const diff = spawnSync('diff', ['-r', '--no-dereference', tree, join(out, 'srv', 'tree')], { encoding: 'utf8' });
    // The only difference: the FIFO, which is not in the image.
    expect(diff.stdout.trim()).toBe(`Only in ${tree}: fifo`);
    const mtime = (p: string): string => execFileSync('stat', ['-c', '%Y', p], { encoding: 'utf8' }).trim();
    expect(mtime(join(out, 'srv', 'tree', 'a.txt'))).toBe('1600000000');
    expect(mtime(join(out, 'srv', 'tree', 'sub', 'b.bin'))).toBe(mtime(join(tree, 'sub', 'b.bin')));
  });

  it('--file: the user\'s /etc/hosts replaces the generated one; the other /etc files are generated', () => {
    expect(readFileSync(join(out, 'etc', 'hosts'), 'utf8')).toBe('10.1.2.3 somewhere\n');
    expect(readFileSync(join(out, 'opt', 'a-copy'), 'utf8')).toBe('alpha\n');
    for (const f of ['passwd', 'group', 'nsswitch.conf', 'resolv.conf', 'hostname']) expect(rows.get(`etc/${f}`)?.mode, f).toBe('-rw-r--r--');
    expect(readFileSync(join(out, 'etc', 'hostname'), 'utf8')).toBe('ukify\n');
  });

  it('-w: the working directory exists in the image and /.ukify/workdir names it', () => {
    expect(rows.get('var/work')?.mode).toBe('drwxr-xr-x');
    expect(readFileSync(join(out, '.ukify', 'workdir'), 'utf8')).toBe('/var/work');
    // The program is still where argv[0] says (this image is built with --no-rewrite: as it is).
    expect(readFileSync(join(out, 'hello.musl-static'))).toEqual(readFileSync(hello));
  });
});

describe('ukify.json and flags', () => {
  const project = join(work, 'project');
  beforeAll(() => {
    mkdirSync(join(project, 'conf'), { recursive: true });
    writeFileSync(join(project, 'conf', 'app.conf'), 'from config\n');
    writeFileSync(join(project, 'conf', 'other.conf'), 'other\n');
    writeFileSync(join(project, 'flag.conf'), 'from flag\n');
    writeFileSync(
      join(project, 'ukify.json'),
      JSON.stringify({ args: ['cfg-arg'], env: { MODE: 'config', KEEP: 'yes' }, files: { '/etc/app.conf': 'conf/app.conf', '/etc/other.conf': 'conf/other.conf' }, workdir: '/srv' }),
    );
  });

  /** argv and envp strings of the bundle (kernel/IMAGE.md offsets). */
  function bundleStrings(imagePath: string): { args: string[]; env: string[] } {
    const bytes = readFileSync(imagePath);
    const at = bytes.indexOf('UKIFYBN1');
    const strings = (offset: number, count: number): string[] => {
      const list: string[] = [];
      let p = at + offset;
      for (let i = 0; i < count; i++) {
        const end = bytes.indexOf(0, p);
        list.push(bytes.subarray(p, end).toString('utf8'));
        p = end + 1;
      }
      return list;
    };
    return { args: strings(Number(bytes.readBigUInt64LE(at + 40)), bytes.readUInt32LE(at + 48)), env: strings(Number(bytes.readBigUInt64LE(at + 56)), bytes.readUInt32LE(at + 52)) };
  }

  it('./ukify.json is read, its host paths taken from its own folder', () => {
    const r = ukify(['build', hello, '-o', join(work, 'cfg.img')], project);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = extract(initrdOf(join(work, 'cfg.img')), 'out-cfg');
    expect(readFileSync(join(out, 'etc', 'app.conf'), 'utf8')).toBe('from config\n');
    expect(readFileSync(join(out, '.ukify', 'workdir'), 'utf8')).toBe('/srv');
    expect(bundleStrings(join(work, 'cfg.img'))).toEqual({ args: ['/hello.musl-static', 'cfg-arg'], env: ['MODE=config', 'KEEP=yes'] });
  });

  it('-c names it from elsewhere; flags override file, env, workdir and args', () => {
    const r = ukify(['build', hello, '-o', 'flags.img', '-c', join(project, 'ukify.json'), '--file', `${join(project, 'flag.conf')}:/etc/app.conf`, '-e', 'MODE=flag', '-w', '/tmp/w', '--', 'flag-arg']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = extract(initrdOf(join(work, 'flags.img')), 'out-flags');
    expect(readFileSync(join(out, 'etc', 'app.conf'), 'utf8')).toBe('from flag\n');
    expect(readFileSync(join(out, 'etc', 'other.conf'), 'utf8')).toBe('other\n');
    expect(readFileSync(join(out, '.ukify', 'workdir'), 'utf8')).toBe('/tmp/w');
    expect(bundleStrings(join(work, 'flags.img'))).toEqual({ args: ['/hello.musl-static', 'flag-arg'], env: ['MODE=flag', 'KEEP=yes'] });
  });

  it('a bad ukify.json: one line naming the file and the field, nothing written', () => {
    const bad = join(work, 'bad-project');
    mkdirSync(bad);
    writeFileSync(join(bad, 'ukify.json'), '{"env": {"A": 1}}');
    expectOneLineError(ukify(['build', hello], bad), /^ukify: ukify\.json: env\.A: must be a string\n$/);
    writeFileSync(join(bad, 'ukify.json'), '{"args": [}');
    expectOneLineError(ukify(['build', hello], bad), /^ukify: ukify\.json: not valid JSON/);
    expectOneLineError(ukify([hello], bad), /^ukify: ukify\.json: not valid JSON/);
    expectOneLineError(ukify(['run', hello], bad), /^ukify: ukify\.json: not valid JSON/);
    expectOneLineError(ukify(['build', hello, '-c', 'nope.json'], bad), /cannot read the config file nope\.json: no such file/);
    expect(existsSync(join(bad, 'hello.musl-static.img'))).toBe(false);
  });
});

describe('ELF files added with --file/--dir bring their libraries', () => {
  it('a dynamic program under --dir: its loader and libc at the host paths, same bytes', () => {
    const bin = join(work, 'bin');
    mkdirSync(bin);
    execFileSync('cp', [fixturePath('hello', 'glibc-dynamic'), join(bin, 'tool')]);
    const r = ukify(['build', hello, '-o', 'libs.img', '--dir', `${bin}:/opt/bin`]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = extract(initrdOf(join(work, 'libs.img')), 'out-libs');
    // The oracles: readelf names the loader and the needed library; the host's loader cache says where libc is.
    const interp = /Requesting program interpreter: (\S+)\]/.exec(execFileSync('readelf', ['-lW', join(bin, 'tool')], { encoding: 'utf8' }))?.[1] ?? '';
    expect(sameBytes(join(out, interp.slice(1)), interp)).toBe(true);
    const needed = [...execFileSync('readelf', ['-dW', join(bin, 'tool')], { encoding: 'utf8' }).matchAll(/\(NEEDED\)\s+Shared library: \[(\S+)\]/g)].map((m) => m[1]);
    expect(needed).toContain('libc.so.6');
    const libc = /libc\.so\.6 \(libc6,x86-64\) => (\S+)/.exec(execFileSync('ldconfig', ['-p'], { encoding: 'utf8' }))?.[1] ?? '';
    expect(sameBytes(join(out, libc.slice(1)), libc)).toBe(true);
  });

  it('an ELF for another machine: a warning, no libraries', () => {
    const dir = join(work, 'i386');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.s'), '.globl _start\n_start: hlt\n');
    execFileSync('as', ['--32', '-o', join(dir, 'x.o'), join(dir, 'x.s')]);
    execFileSync('ld', ['-m', 'elf_i386', '-o', join(dir, 'x32'), join(dir, 'x.o')]);
    const r = ukify(['build', hello, '-o', 'i386.img', '--file', `${join(dir, 'x32')}:/opt/x32`]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(`ukify: warning: ${join(dir, 'x32')} is an ELF file for another machine or class; its libraries are not added\n`);
  });
});

describe('bad --file/--dir/-w: one line, exit 2, nothing written', () => {
  const image = (): string => join(work, 'bad.img');

  const cases: [string, string[], RegExp][] = [
    ['a missing --file', ['--file', 'nope.conf:/etc/nope.conf'], /^ukify: --file nope\.conf:\/etc\/nope\.conf: cannot read .*\/nope\.conf: no such file or directory\n$/],
    ['a missing --dir', ['--dir', 'nodir:/srv'], /^ukify: --dir nodir:\/srv: cannot read .*\/nodir: no such file or directory\n$/],
    ['--file on a directory', ['--file', 'tree:/x'], /--file tree:\/x: .*\/tree is a directory \(use --dir for directories\)/],
    ['--dir on a file', ['--dir', 'my-hosts:/x'], /--dir my-hosts:\/x: .*\/my-hosts is not a directory \(use --file for files\)/],
    ['two --file for one guest path', ['--file', 'my-hosts:/etc/x', '--file', 'tree/a.txt:/etc/x'], /^ukify: two sources for \/etc\/x: --file my-hosts:\/etc\/x and --file tree\/a\.txt:\/etc\/x\n$/],
    ['a --file inside a --dir that has the same file', ['--dir', 'tree:/srv', '--file', 'my-hosts:/srv/a.txt'], /^ukify: two sources for \/srv\/a\.txt: --file my-hosts:\/srv\/a\.txt and --dir tree:\/srv\n$/],
    ['a --file over the program', ['--file', 'my-hosts:/hello.musl-static'], /^ukify: two sources for \/hello\.musl-static: the program .* and --file my-hosts:\/hello\.musl-static\n$/],
    ['a relative guest path', ['--file', 'my-hosts:etc/hosts'], /the guest path 'etc\/hosts' must be absolute/],
    ['a guest path under /proc', ['--dir', 'tree:/proc/x'], /\/proc is made by the kernel at boot/],
    ['a guest path under /.ukify', ['--file', 'my-hosts:/.ukify/x'], /\/\.ukify is reserved/],
    ['a relative workdir', ['-w', 'srv'], /--workdir srv: the guest path 'srv' must be absolute/],
    ['a workdir that is a file', ['--file', 'my-hosts:/srv', '-w', '/srv'], /the working directory \/srv is not a directory in the image \(it comes from --file my-hosts:\/srv\)/],
    ['a workdir too long for the kernel', ['-w', `/${'d/'.repeat(600)}`], /the working directory path is longer than 1023 bytes/],
    ['a path inside a symlink', ['--dir', 'tree:/t', '--file', 'my-hosts:/t/rel-link/x'], /puts \/t\/rel-link\/x inside \/t\/rel-link, which is not a directory/],
  ];
  for (const [what, flags, pattern] of cases) {
    it(what, () => {
      expectOneLineError(ukify(['build', hello, '-o', image(), ...flags]), pattern);
      expect(existsSync(image())).toBe(false);
    });
  }

  it('the same errors from ukify run PROGRAM, before anything boots', () => {
    expectOneLineError(ukify(['run', hello, '--file', 'nope.conf:/etc/nope.conf']), /cannot read .*nope\.conf: no such file or directory/);
    expectOneLineError(ukify(['run', hello, '-m', '64Q', '--dir', 'tree:/srv']), /bad memory size '64Q'/);
  });

  it('build-only flags on an image are refused', () => {
    expect(ukify(['build', hello, '-o', 'ok.img']).status).toBe(0);
    expectOneLineError(ukify(['run', 'ok.img', '--file', 'my-hosts:/etc/hosts', '-w', '/x']), /^ukify: --file, --workdir: ok\.img is an image, already built; give these when building it \(ukify build\)\n$/);
  });
});
