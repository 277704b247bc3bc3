// What a user notices when a program runs under `ukify run` rather than natively (issue 10, part 4),
// each compared with the native run of the same program:
// - terminals: fds 0, 1 and 2 are terminals in the guest exactly when they are on the host;
// - dates: what the packager generates carries the build's time, host files keep theirs;
// - memory: the default size follows the image (Debian's node boots without -m), and running out
//   says which -m to use.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { cpioArchive } from '../packager/cpio.js';
import { initrdArchive, initrdContents } from '../packager/initrd.js';
import { inspectImage } from '../packager/inspect.js';
import { kernelCommandLine } from '../runner/cmdline.js';
import { terminalFds } from '../runner/console-mode.js';
import { defaultMemoryMiB, minimumMemoryMiB } from '../runner/memory.js';

const cli = resolve('dist/cli/main.js');
const kernel = resolve('build/kernel/ukify-kernel.elf');
const busybox = '/bin/busybox';
const work = mkdtempSync(join(tmpdir(), 'ukify-fidelity-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const ready = existsSync(cli) && existsSync(kernel);

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], input = ''): Run {
  const r = spawnSync(command, args, { input, cwd: work, encoding: 'latin1', timeout: 120_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const ukify = (args: string[], input = ''): Run => run(process.execPath, [cli, ...args], input);

function build(program: string, image: string, extra: string[] = []): void {
  const built = ukify(['build', program, '-o', image, ...extra]);
  expect(built.status, built.stderr).toBe(0);
}

/**
 * Runs a shell command line on a pty with `script` (util-linux): stdin, stdout and stderr of the
 * command are the pty unless the line redirects them. script's own stdin stays open until the
 * command ends (at its end of input script would type an end-of-file into the pty).
 */
function onPty(line: string): Promise<{ out: string; status: number | null }> {
  return new Promise((done, fail) => {
    const child = spawn('script', ['-qec', line, '/dev/null'], { cwd: work, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('latin1').on('data', (chunk: string) => (out += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', fail);
    child.on('close', (status) => {
      clearTimeout(timer);
      child.stdin.destroy();
      done({ out, status });
    });
  });
}

const shellWord = (w: string): string => `'${w.replace(/'/g, `'\\''`)}'`;

describe('terminals: the runner tells the kernel which fds are terminals', () => {
  it('terminals=LIST names the fds that are terminals on our side, none as "none"', () => {
    expect(terminalFds(true, true, true)).toEqual([0, 1, 2]);
    expect(terminalFds(false, true, false)).toEqual([1]);
    expect(terminalFds(false, false, false)).toEqual([]);
    expect(kernelCommandLine({ env: [], verbose: false, console: 'framed', terminals: [0, 2] })).toBe('console=framed terminals=0,2');
    expect(kernelCommandLine({ env: [], verbose: false, console: 'framed', terminals: [] })).toBe('console=framed terminals=none');
  });
});

describe.skipIf(!ready || !existsSync(busybox))('terminals under ukify run, against the native run', () => {
  let image = '';
  beforeAll(() => {
    image = join(work, 'busybox.img');
    build(busybox, image);
  });

  it('stdin, stdout and stderr all pipes: the console fixture sees no terminal (TCGETS, TIOCGWINSZ, fstat, lseek) as natively', () => {
    const program = fixturePath('sys-io', 'musl-static');
    const input = 'first line\nsecond\n';
    const native = run(program, [], input);
    const guest = ukify(['run', program], input);
    expect(native.stdout).toContain('fstat(1): 0 chr=0');
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.status).toBe(native.status);
  });

  it('a pipe is a FIFO: fstat through /dev/stdout and the name in /proc/PID/fd, as natively', () => {
    // $$ is the shell's pid: its fd 1 is the pipe to us, not a pipe of the command substitution.
    const script = 'stat -L -c %F /dev/stdin /dev/stdout /dev/stderr; l=$(readlink /proc/$$/fd/1); echo ${l%%:*}; echo again > /dev/stdout';
    // in a shell pipeline: node's own spawn gives a child sockets, not pipes
    const pipeline = (command: string): Run => run('sh', ['-c', `echo x | ${command} sh -c ${shellWord(script)} 2>&1 | cat`]);
    const native = pipeline(busybox);
    const guest = pipeline(`${process.execPath} ${cli} run ${image} --`);
    expect(native.stdout).toBe('fifo\nfifo\nfifo\npipe\nagain\n');
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.status).toBe(0);
  });

  it('on a pty, with one fd at a time redirected: the same fds are terminals (test -t, TCGETS) as natively', async () => {
    // printed on stdout, which reaches the pty directly or through `cat`
    const probe = 'for f in 0 1 2; do if [ -t $f ]; then echo $f:tty; else echo $f:no; fi; done; stty >/dev/null 2>&1 && echo TCGETS:ok';
    const cases: [string, string][] = [
      ['', '0:tty 1:tty 2:tty TCGETS:ok'],
      [' | cat', '0:tty 1:no 2:tty TCGETS:ok'],
      [' 2>/dev/null', '0:tty 1:tty 2:no TCGETS:ok'],
      [' </dev/null', '0:no 1:tty 2:tty'],
    ];
    for (const [redirect, expected] of cases) {
      const native = await onPty(`${busybox} sh -c ${shellWord(probe)}${redirect}`);
      const guest = await onPty(`${process.execPath} ${cli} run ${image} -- sh -c ${shellWord(probe)}${redirect}`);
      expect(native.out, redirect).toBe(`${expected.replaceAll(' ', '\r\n')}\r\n`);
      expect(guest.out, redirect).toBe(native.out);
      expect(guest.status, redirect).toBe(native.status);
    }
  });

});

describe.skipIf(!ready || !existsSync('/usr/bin/jq'))("Debian's jq: colours only on a terminal", () => {
  let image = '';
  beforeAll(() => {
    image = join(work, 'jq.img');
    build('/usr/bin/jq', image);
  });

  it('output into a pipe has no escape codes, output on a terminal has them, as natively', async () => {
    const native = run('/usr/bin/jq', ['-n', '{"a":1}']);
    const guest = ukify(['run', image, '--', '-n', '{"a":1}']);
    expect(native.stdout).toBe('{\n  "a": 1\n}\n');
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.status).toBe(native.status);
    const nativeTty = await onPty(`/usr/bin/jq -n '{"a":1}'`);
    const guestTty = await onPty(`${process.execPath} ${cli} run ${image} -- -n '{"a":1}'`);
    expect(nativeTty.out).toContain('\x1b[');
    expect(guestTty.out).toBe(nativeTty.out);
  });
});

describe('dates: entries with no host file behind them get the build time', () => {
  it('cpio: an entry without mtime gets the default, one with its own keeps it', () => {
    const archive = Buffer.from(cpioArchive([{ name: 'a', mode: 0o100644 }, { name: 'b', mode: 0o100644, mtime: 1000 }], 0x65000000));
    // the newc header: magic then 8-hex-digit fields, c_mtime the sixth
    const mtimes = [...archive.toString('latin1').matchAll(/070701((?:[0-9a-f]{8}){13})/g)].map((m) => parseInt((m[1] ?? '').slice(40, 48), 16));
    expect(mtimes).toEqual([0x65000000, 1000, 0]);
  });

  it('initrdArchive: the generated /etc files and /.ukify/workdir get the build time', () => {
    const initrd = initrdArchive(initrdContents([{ name: 'app', mode: 0o100755, data: new Uint8Array(4), mtime: 1234 }], undefined, { workdir: '/srv' }), 1700000000);
    const text = Buffer.from(initrd.archive).toString('latin1');
    const mtimeOf = (name: string): number => {
      const at = text.indexOf(`${name}\0`);
      return parseInt(text.slice(at - 110 + 6 + 40, at - 110 + 6 + 48), 16);
    };
    expect(mtimeOf('app')).toBe(1234);
    for (const name of ['etc', 'etc/hosts', 'srv', '.ukify/workdir']) expect(mtimeOf(name), name).toBe(1700000000);
  });
});

describe.skipIf(!ready || !existsSync(busybox))('dates in the guest, against the host and the build time', () => {
  let image = '';
  let before = 0;
  let after = 0;
  const old = new Date('2001-09-09T01:46:40Z');
  beforeAll(() => {
    const data = join(work, 'data.txt');
    writeFileSync(data, 'data\n');
    utimesSync(data, old, old);
    const dir = join(work, 'www');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'sub', 'index.html'), 'hi\n');
    for (const d of [join(dir, 'sub'), dir]) utimesSync(d, old, old);
    image = join(work, 'dated.img');
    before = Math.floor(Date.now() / 1000);
    build(busybox, image, ['--file', `${data}:/srv/data/data.txt`, '--dir', `${dir}:/www`]);
    after = Math.ceil(Date.now() / 1000);
  });

  it('what the packager makes (/.ukify, its symbols, /srv made for a --file) is dated within the build', () => {
    const guest = ukify(['run', image, '--', 'stat', '-c', '%Y %n', '/.ukify', '/.ukify/symbols', '/srv', '/srv/data']);
    expect(guest.status, guest.stderr).toBe(0);
    const lines = guest.stdout.trim().split('\n');
    expect(lines.length).toBe(4);
    for (const line of lines) {
      const seconds = Number(line.split(' ')[0]);
      expect(seconds, line).toBeGreaterThanOrEqual(before);
      expect(seconds, line).toBeLessThanOrEqual(after);
    }
  });

  it('host files keep their own mtime: the program, a --file, and the directories of a --dir (which the kernel fills after dating them)', () => {
    const guest = ukify(['run', image, '--', 'stat', '-c', '%Y', '/busybox', '/srv/data/data.txt', '/www', '/www/sub']);
    const host = [busybox, join(work, 'data.txt'), join(work, 'www'), join(work, 'www', 'sub')].map((p) => String(Math.floor(statSync(p).mtimeMs / 1000)));
    expect(host.slice(1)).toEqual(Array(3).fill(String(old.getTime() / 1000)));
    expect(guest.stdout).toBe(`${host.join('\n')}\n`);
  });
});

describe.skipIf(!ready || !existsSync('/usr/bin/gzip'))("Debian's gzip on a generated file", () => {
  it('compresses it without a timestamp warning, exit status 0, as a fresh file natively', () => {
    const image = join(work, 'gzip.img');
    build('/usr/bin/gzip', image);
    const fresh = join(work, 'fresh.txt');
    writeFileSync(fresh, 'fresh\n');
    const native = run('/usr/bin/gzip', ['-c', fresh]);
    const guest = ukify(['run', image, '--', '-c', '/.ukify/symbols']);
    expect(native.status).toBe(0);
    expect(guest.stderr).not.toMatch(/timestamp/);
    expect(guest.status).toBe(native.status);
  });
});

describe('memory: the default follows the image', () => {
  it('the image size + 64 MiB', () => {
    const MiB = 1n << 20n;
    expect(defaultMemoryMiB(3n * MiB + 5n)).toBe(68);
    expect(defaultMemoryMiB(118n * MiB)).toBe(182);
  });
});

describe.skipIf(!ready || !existsSync('/usr/bin/node'))("Debian's node, a 99 MB binary", () => {
  let image = '';
  beforeAll(() => {
    image = join(work, 'node.img');
    build('/usr/bin/node', image);
  });

  it('runs -e without -m and prints what native node prints', () => {
    const script = 'console.log(1 + 1, typeof require("fs").readFileSync)';
    const native = run('/usr/bin/node', ['-e', script]);
    const guest = ukify(['run', image, '--', '-e', script]);
    expect(native.stdout).toBe('2 function\n');
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.status).toBe(native.status);
  });

  it('too little memory: one line names the process and the VM size, the process ends with SIGKILL (137), and a larger -m works', () => {
    const info = inspectImage(readFileSync(image));
    // room to load the image but not to run node (it needs about 22 MiB more)
    const small = minimumMemoryMiB(info?.loadEnd ?? 0n) + 4;
    const guest = ukify(['run', image, '-m', `${small}M`, '--', '-e', 'console.log(1 + 1)']);
    expect(guest.status).toBe(137);
    expect(guest.stdout).toBe('');
    const lines = guest.stderr.split('\n').filter((l) => /memory|SIG/.test(l));
    expect(lines).toEqual([`ukify: out of memory: killed pid 1 (node), VM has ${small} MiB; raise -m`]);
    const again = ukify(['run', image, '-m', `${2 * small}M`, '--', '-e', 'console.log(1 + 1)']);
    expect(again.stdout).toBe('2\n');
    expect(again.status).toBe(0);
  });
});
