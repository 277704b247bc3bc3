// `ukify run` on an image: check it, choose memory, accelerator and TSC, then boot it.
import { existsSync, readFileSync } from 'node:fs';
import { type Readable, Writable } from 'node:stream';
import { isatty } from 'node:tty';
import { inspectImage } from '../packager/inspect.js';
import { qemuPreloadLibrary } from '../packager/paths.js';
import { chooseAccel, type AccelRequest } from './accel.js';
import { kernelCommandLine } from './cmdline.js';
import { consoleMode, terminalFds } from './console-mode.js';
import { kvmUsable, readCpuinfo, readHostTscKhz } from './host.js';
import { defaultMemoryMiB, MemorySizeError, minimumMemoryMiB, parseMemoryMiB } from './memory.js';
import { RefusedSyscalls } from './allowlist-refusals.js';
import { MissingFiles } from './missing-files.js';
import { bindFailure, checkHostPorts, failedForward, forwardingLine, PortError, type PortForward } from './ports.js';
import { prepareGdb } from './gdb/prepare.js';
import { guestAppend, qemuArgs } from './qemu-args.js';
import { DEBUGCON_FD, QemuError, runQemu, STDERR_FD, TRACE_FD } from './qemu-process.js';
import { CrashReporter } from './crash/report.js';
import { formatStats, parseStatsRecord, type RunStats } from './run-stats.js';
import { type TraceRequest, TraceSession } from './strace/session.js';
import { DEFAULT_STOP_TIMEOUT_S } from './stop-timeout.js';
import { onlcrStream, rawTerminal } from './terminal.js';
import { checkHostDirs, checkVolumeLayout, volumeLine, type Volume } from './volumes.js';

/** The default memory before it followed the image (memory.ts, defaultMemoryMiB); unused here. */
export const QEMU = 'qemu-system-x86_64';
const MAX_APPEND = 2048;
const MAX_CMDLINE_ENV = 32;
const MAX_CMDLINE_ARGS = 64;
// What QEMU appends for each virtio device (the network, each volume): ` virtio_mmio.device=512@0xfeb00e00:12`, with room to spare.
const VIRTIO_MMIO_CMDLINE = 48;

export interface RunRequest {
  image: string;
  /** Guest memory as the user writes it (-m); by default it follows the image's size (defaultMemoryMiB). */
  memory?: string;
  accel: AccelRequest;
  /** KEY=VALUE pairs added to (or replacing in) the image's environment. */
  env: readonly string[];
  /** Replaces argv[1..] of the image when given. */
  args?: readonly string[];
  verbose: boolean;
  /** Lists, after the app's output, the paths it looked up that were not in the image. */
  missingFiles?: boolean;
  qemu?: string;
  /** Host ports forwarded to the guest; any forward gives the VM a network. */
  ports?: readonly PortForward[];
  /** A network even without forwards. */
  net?: boolean;
  /** Host directories mounted in the guest (-v). */
  volumes?: readonly Volume[];
  /** After Ctrl-C or SIGTERM, how long the guest's processes get to end (default 10 s). */
  stopTimeoutMs?: number;
  /** With missingFiles: the paths are collected here instead of listed on stderr after the run. */
  missingInto?: MissingFiles;
  /** The program's stdin instead of ours: a pipe (console=framed) that ends where the stream ends. */
  stdin?: Readable;
  /** Where the program's stdout goes instead of our stdout. */
  stdout?: NodeJS.WritableStream;
  /** Aborting it stops the guest as Ctrl-C does (SIGTERM to its processes, then the stop timeout). */
  stop?: AbortSignal;
  /** --strace, --syscall-summary and their details. */
  trace?: TraceRequest;
  /** --stats: a short block of what the VM did, when it stops. */
  stats?: boolean;
  /** --core FILE: where a crashed program's core file goes. */
  core?: string;
  /** --no-allowlist, --strict and --allow (syscall numbers) for an image built with an allowlist. */
  allowlist?: { off: boolean; strict: boolean; allow: readonly number[] };
  /** --gdb: QEMU waits for gdb on this port; the script for it goes to gdbScript (or a printed path). */
  gdb?: { port: number; script?: string };
}

/** Boots an image and resolves with the status `ukify run` exits with. */
export async function runImage(request: RunRequest): Promise<number> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(request.image);
  } catch (error) {
    throw new QemuError(`cannot read ${request.image}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, 2);
  }
  const info = inspectImage(bytes);
  if (info === undefined) throw new QemuError(`${request.image} is not an ukify image (build one with: ukify build PROGRAM)`, 2);

  const memoryMiB = request.memory === undefined ? defaultMemoryMiB(info.loadEnd) : parseMemoryMiB(request.memory);
  const needed = minimumMemoryMiB(info.loadEnd);
  if (memoryMiB < needed) {
    throw new MemorySizeError(`memory too small: ${request.image} needs at least ${needed} MiB to load (-m ${needed}M) and more to run; without -m it gets ${defaultMemoryMiB(info.loadEnd)}M`);
  }

  const cpuinfo = readCpuinfo();
  const usable = kvmUsable();
  if (request.accel === 'kvm' && !usable) throw new QemuError('--accel kvm: /dev/kvm is missing or not readable and writable by you', 2);
  const accel = chooseAccel(request.accel, cpuinfo, usable);
  const tscKhz = readHostTscKhz(cpuinfo);
  const terminals = terminalFds(request.stdin === undefined && isatty(0), request.stdout === undefined && isatty(1), isatty(2));
  const inputMode = consoleMode(terminals.includes(0), terminals.includes(1));
  const ports = request.ports ?? [];
  const network = request.net === true || ports.length > 0;
  const append = kernelCommandLine({
    console: inputMode,
    terminals,
    ...(tscKhz === undefined ? {} : { tscKhz }),
    env: [...request.env],
    verbose: request.verbose,
    traceMissing: request.missingFiles === true,
    strace: request.trace !== undefined,
    stats: request.stats === true,
    core: request.core !== undefined,
    gdb: request.gdb !== undefined,
    ...(request.allowlist === undefined ? {} : { allowlist: request.allowlist }),
    ...(request.args === undefined ? {} : { args: [...request.args] }),
  });
  // The kernel keeps at most this many of each (kernel/include/cmdline.h) and would drop the rest.
  if (request.env.length > MAX_CMDLINE_ENV || (request.args?.length ?? 0) > MAX_CMDLINE_ARGS) {
    throw new QemuError(
      `at most ${MAX_CMDLINE_ENV} -e variables and ${MAX_CMDLINE_ARGS} arguments fit on the kernel command line; build them into the image instead: ukify build PROGRAM -e ... -- ARGS`,
      2,
    );
  }
  // The kernel copies its command line into a 4 KiB buffer and refuses anything of half that or more.
  const volumes = request.volumes ?? [];
  checkVolumeLayout(volumes);
  checkHostDirs(volumes);
  const devices = (network ? 1 : 0) + volumes.length;
  const cmdlineLength = guestAppend(append, network).length + devices * VIRTIO_MMIO_CMDLINE;
  if (cmdlineLength >= MAX_APPEND) {
    throw new QemuError(`the arguments and environment make a kernel command line of ${cmdlineLength} bytes (at most ${MAX_APPEND - 1}); build them into the image instead: ukify build PROGRAM -e ... -- ARGS`, 2);
  }
  // A host port that is taken would make QEMU exit with a message about its -netdev option.
  await checkHostPorts(ports);
  const gdb = request.gdb === undefined ? undefined : await prepareGdb({ image: request.image, bytes, port: request.gdb.port, ...(request.gdb.script === undefined ? {} : { script: request.gdb.script }) });
  const args = qemuArgs({
    image: request.image, memoryMiB, accel, append, stderrFd: STDERR_FD, debugconFd: DEBUGCON_FD,
    ...(request.trace === undefined ? {} : { traceFd: TRACE_FD }),
    ...(network ? { network: { forwards: ports } } : {}),
    ...(volumes.length > 0 ? { volumes } : {}),
    ...(gdb === undefined ? {} : { gdbPort: gdb.port }),
  });
  const qemu = request.qemu ?? QEMU;
  // QEMU's forwards listen with a backlog of 1 unless this library raises it, and its heap keeps the
  // pages of every connection's buffers unless the library trims it (runner/qemu-preload-*.c).
  const preload = ports.length > 0 && existsSync(qemuPreloadLibrary) ? qemuPreloadLibrary : undefined;
  if (ports.length > 0 && preload === undefined) process.stderr.write(`ukify: ${qemuPreloadLibrary} is missing (run scripts/setup): clients opening many connections at once will wait for retransmissions\n`);
  if (request.verbose) {
    const command = [...(preload === undefined ? [] : [`LD_PRELOAD=${preload}`]), qemu, ...args];
    process.stderr.write(`ukify: ${accel}, ${memoryMiB} MiB: ${command.map(shellWord).join(' ')}\n`);
  }
  // With console=tty our terminal is raw: what we print ourselves needs its \r\n from us.
  let restoreTerminal: (() => void) | undefined;
  if (inputMode === 'tty') {
    restoreTerminal = rawTerminal();
    if (restoreTerminal === undefined) throw new QemuError('cannot put the terminal in raw mode (stty failed); run with stdin redirected instead', 2);
  }
  const terminalStderr = restoreTerminal !== undefined && process.stderr.isTTY === true ? onlcrStream(process.stderr) : process.stderr;
  if (process.stderr.isTTY === true || request.verbose) for (const f of ports) terminalStderr.write(`${forwardingLine(f)}\n`);
  if (request.verbose) for (const v of volumes) terminalStderr.write(`${volumeLine(v)}\n`);
  if (gdb !== undefined) terminalStderr.write(`ukify: the VM is paused until gdb continues; attach with: gdb -x ${shellWord(gdb.script)}\n`);
  const portWatch = new PortFailureWatch(terminalStderr, ports);
  const stderr = ports.length > 0 ? portWatch.stream : terminalStderr;
  const missing = request.missingFiles === true ? request.missingInto ?? new MissingFiles(volumes.map((v) => v.guest)) : undefined;
  const refused = new RefusedSyscalls();
  const onLog = (line: string): void => {
    refused.see(line);
    if (missing?.take(line) !== true) stderr.write(`${line}\n`);
  };
  try {
    const trace = request.trace === undefined ? undefined : new TraceSession(request.trace);
    let stats: RunStats | undefined;
    const started = performance.now();
    const stopTimeoutMs = request.stopTimeoutMs ?? DEFAULT_STOP_TIMEOUT_S * 1000;
    const status = await runQemu({
      qemu, args, onLog, stderr, input: { mode: inputMode, source: request.stdin ?? process.stdin }, stopTimeoutMs,
      ...(preload === undefined ? {} : { preload }), ...(request.stdout === undefined ? {} : { stdout: request.stdout }), ...(request.stop === undefined ? {} : { stop: request.stop }),
      ...(trace === undefined ? {} : { trace }),
      ...(request.stats === true ? { onStats: (line: string) => (stats = parseStatsRecord(line)) } : {}),
      crash: new CrashReporter(request.image, request.core),
    });
    if (request.stats === true) stderr.write(stats === undefined ? 'ukify: stats: the kernel gave none (it did not power off normally)\n' : formatStats(stats, performance.now() - started));
    if (portWatch.failed !== undefined) throw portWatch.failed;
    if (missing !== undefined && request.missingInto === undefined) stderr.write(missing.report());
    stderr.write(refused.report());
    return status;
  } finally {
    restoreTerminal?.();
    gdb?.cleanup();
  }
}

/** A word as a POSIX shell would need it, for showing a command the user can paste. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Passes everything to `target`, except runQemu's one-line failure when QEMU could not set up a
 * forward (the port was taken after checkHostPorts): that becomes `failed`, reported as a bad -p.
 * runQemu writes its own failure line in a single write, so a whole chunk is checked.
 */
class PortFailureWatch {
  failed: PortError | undefined;
  readonly stream: Writable;

  constructor(target: NodeJS.WritableStream, forwards: readonly PortForward[]) {
    this.stream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        const text = chunk.toString('latin1');
        const forward = text.startsWith('ukify: ') ? failedForward(text, forwards) : undefined;
        if (forward !== undefined && this.failed === undefined) this.failed = new PortError(bindFailure(forward, 'EADDRINUSE'));
        else target.write(chunk);
        done();
      },
    });
  }
}
