// The console under `ukify run` (node dist/cli/main.js): piped stdin with its end (console=framed)
// compared with the same busybox applet run natively on the same bytes, and a terminal (console=tty)
// driven through a pty, compared with the transcript Linux's own tty gives the same program.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { kernelCommandLine } from '../runner/cmdline.js';
import { consoleMode } from '../runner/console-mode.js';
import { EOF_FRAME, FramingStream, frameBytes } from '../runner/stdin-framing.js';
import { onlcr } from '../runner/terminal.js';
import { runAsync } from './helpers/run-async.js';

const cli = resolve('dist/cli/main.js');
const kernel = resolve('build/kernel/ukify-kernel.elf');
const busybox = '/bin/busybox';
const work = mkdtempSync(join(tmpdir(), 'ukify-console-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The framing as IMAGE.md describes it, decoded independently of runner/stdin-framing.ts. */
function unframe(framed: Uint8Array): { data: Buffer; ended: boolean } {
  const out: number[] = [];
  for (let i = 0; i < framed.length; i++) {
    if (framed[i] !== 0xff) {
      out.push(framed[i] ?? 0);
      continue;
    }
    i++;
    if (framed[i] === 0x00) return { data: Buffer.from(out), ended: i === framed.length - 1 };
    if (framed[i] !== 0xff) throw new Error(`reserved pair 0xff 0x${(framed[i] ?? 0).toString(16)}`);
    out.push(0xff);
  }
  return { data: Buffer.from(out), ended: false };
}

const allBytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

describe('stdin framing (runner side)', () => {
  it('passes every byte value, doubles 0xff only', () => {
    const framed = frameBytes(allBytes);
    expect(framed.length).toBe(257);
    expect(framed.subarray(0, 255)).toEqual(allBytes.subarray(0, 255));
    expect([...framed.subarray(255)]).toEqual([0xff, 0xff]);
    expect(unframe(Buffer.concat([framed, EOF_FRAME]))).toEqual({ data: allBytes, ended: true });
  });

  it('a stream frames chunk by chunk and ends with the end mark, also when empty', async () => {
    const collect = async (chunks: Buffer[]): Promise<Buffer> => {
      const parts: Buffer[] = [];
      for await (const part of Readable.from(chunks).pipe(new FramingStream())) parts.push(part as Buffer);
      return Buffer.concat(parts);
    };
    const chunks = [Buffer.from([0xff]), Buffer.from('a\xff\xffb', 'latin1'), allBytes];
    expect(unframe(await collect(chunks))).toEqual({ data: Buffer.concat(chunks), ended: true });
    expect(await collect([])).toEqual(EOF_FRAME);
  });

  it('console mode: tty only when both stdin and stdout are terminals', () => {
    expect(consoleMode(true, true)).toBe('tty');
    expect(consoleMode(true, false)).toBe('framed');
    expect(consoleMode(false, true)).toBe('framed');
    expect(consoleMode(false, false)).toBe('framed');
    expect(kernelCommandLine({ env: [], verbose: false, console: 'framed' })).toBe('console=framed');
    expect(kernelCommandLine({ env: [], verbose: false, console: 'tty', args: ['x'] })).toBe('console=tty -- x');
  });

  it('ONLCR for what the runner prints on a raw terminal', () => {
    expect(onlcr(Buffer.from('a\nb\r\n\n'))).toEqual(Buffer.from('a\r\nb\r\r\n\r\n'));
    expect(onlcr(Buffer.from('none'))).toEqual(Buffer.from('none'));
  });
});

interface Run {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

function result(r: SpawnSyncReturns<Buffer>): Run {
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}

const haveAll = existsSync(kernel) && existsSync(cli) && existsSync(busybox);

describe.skipIf(!haveAll)('piped stdin under ukify run (console=framed)', () => {
  let image = '';
  beforeAll(() => {
    image = join(work, 'busybox.img');
    const built = spawnSync(process.execPath, [cli, 'build', busybox, '-o', image], { encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
  });

  // async: a 1 MiB stream takes tens of seconds, too long to block the test worker (run-async.ts)
  const guest = (args: string[], input: Buffer | string): Promise<Run> => runAsync(process.execPath, [cli, 'run', image, '--', ...args], { input, timeoutMs: 120_000 });
  const native = (args: string[], input: Buffer | string): Run =>
    result(spawnSync(busybox, args, { input, timeout: 30_000, maxBuffer: 64 << 20 }));

  const text = 'pear\nApple\nbanana\n\n  spaced\nzeta\napple\n\xe9t\xe9\nno newline at the end';

  it.each([['cat'], ['wc', '-c'], ['wc', '-l'], ['sort'], ['sort', '-r']])('busybox %s prints what it prints natively', async (...args: string[]) => {
    const g = await guest(args, text);
    const n = native(args, text);
    expect(g.stdout.toString('latin1')).toBe(n.stdout.toString('latin1'));
    expect(g.status).toBe(n.status);
  });

  it('all 256 byte values round-trip through cat byte for byte', async () => {
    const input = Buffer.concat([allBytes, Buffer.from([0xff, 0x00, 0xff, 0xff, 0x00]), allBytes.reverse()]);
    const g = await guest(['cat'], input);
    expect(g.stdout).toEqual(input);
    expect(g.status).toBe(0);
  });

  it('empty input and < /dev/null end at once', async () => {
    expect((await guest(['wc', '-c'], '')).stdout.toString()).toBe(native(['wc', '-c'], '').stdout.toString());
    const fd = openSync('/dev/null', 'r');
    try {
      const g = result(spawnSync(process.execPath, [cli, 'run', image, '--', 'cat'], { stdio: [fd, 'pipe', 'pipe'], timeout: 60_000, killSignal: 'SIGKILL' }));
      expect(g.stdout.length).toBe(0);
      expect(g.status).toBe(0);
    } finally {
      closeSync(fd);
    }
  });

  it('piped stdin is not a terminal (busybox tty), as natively', async () => {
    const g = await guest(['tty'], '');
    expect(g.stdout.toString()).toBe(native(['tty'], '').stdout.toString());
    expect(g.status).toBe(1);
  });

  it('1 MiB of random bytes streams through cat unchanged; wc -c and md5sum agree with native', async () => {
    const input = Buffer.alloc(1 << 20);
    for (let i = 0; i < input.length; i++) input[i] = (i * 2654435761) >>> 24;
    const g = await guest(['cat'], input);
    expect(g.stdout.equals(input)).toBe(true);
    expect((await guest(['md5sum'], input)).stdout.toString()).toBe(native(['md5sum'], input).stdout.toString());
  }, 300_000);

  it('an endless producer: yes | ukify run IMAGE -- head -n 3 ends like the native pipeline', () => {
    const sh = (cmd: string): Run => result(spawnSync('sh', ['-c', cmd], { timeout: 120_000, killSignal: 'SIGKILL' }));
    const g = sh(`yes ukify | ${process.execPath} ${cli} run ${image} -- head -n 3`);
    const n = sh(`yes ukify | ${busybox} head -n 3`);
    expect(g.stdout.toString()).toBe(n.stdout.toString());
    expect(g.status).toBe(0);
  });

  it('the app leaving input unread exits at once (head -c 10 of a 1 MiB file)', () => {
    const file = join(work, 'a.bin');
    writeFileSync(file, Buffer.alloc(1 << 20, 0x41));
    const fd = openSync(file, 'r');
    try {
      const g = result(spawnSync(process.execPath, [cli, 'run', image, '--', 'head', '-c', '10'], { stdio: [fd, 'pipe', 'pipe'], timeout: 60_000, killSignal: 'SIGKILL' }));
      expect(g.stdout.toString()).toBe('AAAAAAAAAA');
      expect(g.status).toBe(0);
    } finally {
      closeSync(fd);
    }
  });
});

// Runs a command on a pty (stderr to /dev/null, SIGINT/SIGQUIT default) and types into it. Steps
// are pairs of hex strings: wait until the output so far contains the first (after what earlier
// steps waited for), then type the second. With wait_raw, typing starts only once the terminal is in
// raw mode (ukify run sets it; anything typed before would meet the host's own line discipline).
// Prints the whole output; exits with the command's status, 128+N after signal N.
const PTY = `
import os, pty, signal, sys, termios, time
wait_raw, cmd_len = sys.argv[1] == '1', int(sys.argv[2])
cmd, steps = sys.argv[3:3 + cmd_len], sys.argv[3 + cmd_len:]
pid, fd = pty.fork()
if pid == 0:
    for s in (signal.SIGINT, signal.SIGQUIT):
        signal.signal(s, signal.SIG_DFL)
    os.dup2(os.open('/dev/null', os.O_WRONLY), 2)
    os.execvp(cmd[0], cmd)
if wait_raw:
    end = time.time() + 60
    while time.time() < end and termios.tcgetattr(fd)[3] & (termios.ICANON | termios.ECHO):
        time.sleep(0.01)
out, seen = b'', 0
def more():
    global out
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        return False
    out += chunk
    return bool(chunk)
for i in range(0, len(steps), 2):
    want = bytes.fromhex(steps[i])
    while out.find(want, seen) < 0:
        if not more():
            break
    seen = out.find(want, seen) + len(want)
    os.write(fd, bytes.fromhex(steps[i + 1]))
while more():
    pass
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(128 + os.WTERMSIG(st) if os.WIFSIGNALED(st) else os.WEXITSTATUS(st))
`;

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

function onPty(command: string[], steps: [string, string][], waitRaw: boolean): { out: string; status: number | null } {
  const r = spawnSync('python3', ['-c', PTY, waitRaw ? '1' : '0', String(command.length), ...command, ...steps.flatMap(([w, t]) => [hex(w), hex(t)])], {
    timeout: 120_000, killSignal: 'SIGKILL', cwd: work,
  });
  if (r.error) throw r.error;
  return { out: r.stdout.toString('latin1'), status: r.status };
}

describe.skipIf(!haveAll)('a terminal under ukify run (console=tty) against Linux tty transcripts', () => {
  let image = '';
  beforeAll(() => {
    image = join(work, 'busybox-tty.img');
    expect(spawnSync(process.execPath, [cli, 'build', busybox, '-o', image]).status).toBe(0);
  });

  const both = (args: string[], steps: [string, string][]) => ({
    guest: onPty([process.execPath, cli, 'run', image, '--', ...args], steps, true),
    native: onPty([busybox, ...args], steps, false),
  });

  it('head -n1: a typed line with a backspace is echoed and erased as on Linux', () => {
    const { guest, native } = both(['head', '-n1'], [['', 'abcd\x7fe\r']]);
    expect(native.out).toBe('abcd\b \be\r\nabce\r\n');
    expect(guest.out).toBe(native.out);
    expect(guest.status).toBe(0);
  });

  it('cat: word erase, line kill, tab erase, literal next, reprint and ^D at a line start', () => {
    const typed = 'one two\x17three\r' + 'xyz\x15new\r' + 'a\tb\x7f\x7fc\r' + '\x16\x03x\r' + 'p\x12q\r' + '\x04';
    const { guest, native } = both(['cat'], [['', typed]]);
    expect(guest.out).toBe(native.out);
    expect(native.status).toBe(0);
    expect(guest.status).toBe(0);
  });

  it('^C echoes ^C and ends a reader with SIGINT (status 130)', () => {
    // the fixture says ready> once it runs: ^C typed earlier would meet the helper before its exec
    const prog = fixturePath('sys-termios', 'musl-static');
    const steps: [string, string][] = [['ready>', 'abc'], ['abc', '\x03']];
    const guest = onPty([process.execPath, cli, 'run', prog, '--', 'echo'], steps, true);
    const native = onPty([prog, 'echo'], steps, false);
    expect(native.out).toBe('ready>abc^C');
    expect(guest.out).toBe(native.out);
    expect(native.status).toBe(130);
    expect(guest.status).toBe(130);
  });

  it('TCGETS defaults, TCSETS to raw and back, VMIN=0 VTIME=1 (fixture sys-termios)', () => {
    const prog = fixturePath('sys-termios', 'musl-static');
    const steps: [string, string][] = [['raw>', 'ab\x03\x7f\r'], ['canon>', 'xy\x7fz\r']];
    const guest = onPty([process.execPath, cli, 'run', prog], steps, true);
    const native = onPty([prog], steps, false);
    expect(native.out).toContain('raw 5: 61 62 03 7f 0d\n');
    expect(guest.out).toBe(native.out);
    expect(guest.status).toBe(native.status);
    expect(guest.status).toBe(0);
  });

  it('stdin a terminal, stdout a file: the terminal edits lines itself, the output is exact', () => {
    const typed: [string, string][] = [['', 'hi\x7fo\r\x04']];
    const guest = onPty(['sh', '-c', `${process.execPath} ${cli} run ${image} -- cat > guest.out`], typed, false);
    const native = onPty(['sh', '-c', `${busybox} cat > native.out`], typed, false);
    expect(guest.out).toBe(native.out);
    expect(readFileSync(join(work, 'guest.out'), 'latin1')).toBe('ho\n');
    expect(readFileSync(join(work, 'native.out'), 'latin1')).toBe('ho\n');
    expect(guest.status).toBe(0);
  });
});
