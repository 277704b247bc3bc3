// Test helpers for the kernel: build an image with the packager, boot it under QEMU (TCG) with
// files for COM2 and the kernel log, and run the same program natively under strace on a pty.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { imageFor } from '../packager/build.js';
import { readCpuinfo, readHostTscKhz } from '../runner/host.js';
import { RecordReader } from '../runner/strace/records.js';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { repoRoot } from '../fixtures/index.js';

export const workDir = join(repoRoot, 'build', 'kernel-test');
export const kernelElf = join(repoRoot, 'build', 'kernel', 'ukify-kernel.elf');
/** The same kernel with every symbol (the one in images keeps only what the packager needs). */
export const kernelDebugElf = join(repoRoot, 'build', 'kernel', 'ukify-kernel.debug');

export interface GuestRun {
  stdout: string;
  stderr: string;
  log: string;
  /** From the final record: the app's status, 'panic', or undefined when there was none. */
  exit: number | 'panic' | undefined;
  /** With `trace`: the syscalls the kernel's trace records show entered, by name. */
  syscalls?: Set<string>;
}

export interface BootOptions {
  args?: readonly string[];
  env?: readonly string[];
  input?: string;
  memoryMiB?: number;
  /** Kernel command line; tsc_khz= is added. */
  append?: string;
  /** Extra QEMU arguments, after the standard ones (e.g. a network device). */
  qemuArgs?: readonly string[];
  /** The kernel's syscall trace on (`strace`, port 0xea), read into GuestRun.syscalls. */
  trace?: boolean;
  /** false: the program and its libraries as they are (`ukify build --no-rewrite`); default: rewritten. */
  rewrite?: boolean;
}

let counter = 0;

/** Writes the image for a program (argv[1..] and env built in) and returns its path. */
export async function buildImage(program: string, opts: BootOptions = {}): Promise<string> {
  mkdirSync(workDir, { recursive: true });
  // no static discovery: a kernel test's image holds its program and nothing from the host's /etc
  const { image } = await imageFor({ program, args: opts.args ?? [], env: opts.env ?? [], kernel: kernelElf, discover: false, rewrite: opts.rewrite !== false });
  const path = join(workDir, `${process.pid}-${counter++}.img`);
  writeFileSync(path, image);
  return path;
}

export function parseExitRecord(log: string): number | 'panic' | undefined {
  const m = /^ukify-exit: (\d+|panic)$/m.exec(log);
  if (!m) return undefined;
  return m[1] === 'panic' ? 'panic' : Number(m[1]);
}

export function bootImage(image: string, opts: BootOptions = {}): GuestRun {
  const err = `${image}.stderr`;
  const log = `${image}.log`;
  const tsc = readHostTscKhz(readCpuinfo());
  const trace = `${image}.trace`;
  const append = [tsc === undefined ? '' : `tsc_khz=${tsc}`, opts.trace === true ? 'strace' : '', opts.append ?? ''].join(' ').trim();
  const r = spawnSync('qemu-system-x86_64', [
    '-M', 'microvm,isa-serial=off,acpi=off,x-option-roms=off', '-nodefaults', '-no-user-config',
    '-display', 'none', '-no-reboot', '-accel', 'tcg', '-cpu', 'max', '-m', `${opts.memoryMiB ?? 64}M`,
    '-kernel', image, '-append', append,
    '-chardev', 'stdio,id=com1,signal=off', '-device', 'isa-serial,chardev=com1,index=0',
    '-chardev', `file,id=com2,path=${err}`, '-device', 'isa-serial,chardev=com2,index=1',
    '-chardev', `file,id=dbg,path=${log}`, '-device', 'isa-debugcon,chardev=dbg,iobase=0xe9',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
    ...(opts.trace === true ? ['-chardev', `file,id=trace,path=${trace}`, '-device', 'isa-debugcon,chardev=trace,iobase=0xea'] : []),
    ...(opts.qemuArgs ?? []),
  ], { input: opts.input ?? '', encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  if (r.error) throw r.error;
  const logText = readFileSync(log, 'utf8');
  const run: GuestRun = { stdout: r.stdout, stderr: readFileSync(err, 'utf8'), log: logText, exit: parseExitRecord(logText) };
  return opts.trace === true ? { ...run, syscalls: enteredSyscalls(readFileSync(trace)) } : run;
}

/** The names of the syscalls a trace's entry records show. */
function enteredSyscalls(bytes: Buffer): Set<string> {
  const names = new Map([...loadCatalog().values()].map((e) => [e.nr, e.name]));
  const out = new Set<string>();
  for (const r of new RecordReader().push(bytes)) if (r.type === 'enter') out.add(names.get(r.nr) ?? `#${r.nr}`);
  return out;
}

export async function runGuest(program: string, opts: BootOptions = {}): Promise<GuestRun> {
  return bootImage(await buildImage(program, opts), opts);
}

export interface TracedRun {
  stdout: string;
  status: number;
  syscalls: Set<string>;
}

// Runs argv with stdin/stdout on a pty (no echo, no output translation: like our serial console)
// and stderr discarded, under `strace -f`; writes `input` to the terminal. Both sides set the
// terminal modes: the child before its first output, the parent before writing the input.
const PTY_RUNNER = `
import os, pty, sys, termios
trace, data = sys.argv[1], sys.argv[2].encode()
pid, fd = pty.fork()
if pid == 0:
    a = termios.tcgetattr(0)
    a[1] &= ~termios.OPOST
    a[3] &= ~termios.ECHO
    termios.tcsetattr(0, termios.TCSANOW, a)
    err = os.open('/dev/null', os.O_WRONLY)
    os.dup2(err, 2)
    os.execvp('strace', ['strace', '-f', '-qq', '-o', trace] + sys.argv[3:])
a = termios.tcgetattr(fd)
a[1] &= ~termios.OPOST
a[3] &= ~termios.ECHO
termios.tcsetattr(fd, termios.TCSANOW, a)
os.write(fd, data)
out = b''
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, st = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(st) & 0xff)
`;

export function runTracedNative(program: string, args: readonly string[] = [], input = ''): TracedRun {
  mkdirSync(workDir, { recursive: true });
  const trace = join(workDir, `${process.pid}-${counter++}.strace`);
  const r = spawnSync('python3', ['-c', PTY_RUNNER, trace, input, program, ...args], {
    encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL', env: {},
  });
  if (r.error) throw r.error;
  const syscalls = new Set<string>();
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const m = /^\d+\s+([a-z0-9_]+)\(/.exec(line);
    if (m) syscalls.add(m[1]);
  }
  return { stdout: r.stdout, status: r.status ?? -1, syscalls };
}
