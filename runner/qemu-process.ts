// Runs QEMU with the image's channels wired to this process: COM1 is QEMU's own stdin/stdout
// (stdout inherited, so the app's bytes reach our stdout untouched), COM2 and the debugcon come
// back on sockets (child fds 3 and 4) that we copy to stderr. QEMU's own messages (fd 2) are kept
// to explain a failure in one line. With an input, QEMU's stdin is a socket we feed: from the
// kernel's `ukify-console: ready` record on (it drops what arrives before), framed or as is.
// Ctrl-C or SIGTERM asks the kernel, on COM2's input, to stop every process (kernel/IMAGE.md); the
// VM then ends as usual, or is powered off when the grace period runs out or a second signal comes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { ConsoleMode } from './console-mode.js';
import { exitOutcome, LineSplitter, parseExitRecord, type ExitRecord } from './exit-record.js';
import { CRASH_RECORD } from './crash/record.js';
import { LogMerge } from './log-merge.js';
import { STATS_RECORD } from './run-stats.js';
import { FramingStream } from './stdin-framing.js';

export const STDERR_FD = 3;
export const DEBUGCON_FD = 4;
export const TRACE_FD = 5;
/** The kernel's record that its console takes input (kernel/IMAGE.md). */
export const CONSOLE_READY = 'ukify-console: ready';

export class QemuError extends Error {
  readonly userFacing = true;
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

export interface QemuRun {
  qemu: string;
  args: string[];
  /** Called with every kernel log line (not the exit record); the caller filters and prints. */
  onLog: (line: string) => void;
  /** Where COM1 output goes; by default QEMU writes straight to our stdout. */
  stdout?: NodeJS.WritableStream;
  /** Where COM2 output and our own one-line errors go (default: our stderr). */
  stderr?: NodeJS.WritableStream;
  /** COM1's input, for a kernel started with console=MODE; without it QEMU inherits our stdin. */
  input?: { mode: ConsoleMode; source: Readable };
  /** How long the processes get to end after a stop request (default 0: power off at once). */
  stopTimeoutMs?: number;
  /** A library QEMU runs with (LD_PRELOAD). */
  preload?: string;
  /** Aborting it asks the guest to stop, as a first SIGTERM does. */
  stop?: AbortSignal;
  /** Takes the kernel's `ukify-crash:` lines: returns what to print instead (undefined: not one of them). */
  crash?: { take(line: string): string[] | undefined };
  /** The kernel's `ukify-stats:` record (with `stats` on its command line). */
  onStats?: (line: string) => void;
  /** The `--strace` records (TRACE_FD): decoded by it into lines for stderr, printed as the kernel's are. */
  trace?: { push(chunk: Buffer): string[]; end(): string[] };
}

/** The byte on COM2's input that asks the kernel for a graceful stop. */
const STOP_REQUEST = 's';
/** util-linux (always on Debian): makes the kernel kill QEMU if we die without stopping it. */
const SETPRIV = '/usr/bin/setpriv';

/** An executable's path: as given when it names a path, else found on $PATH (without one, where
 * execvp looks: /bin and /usr/bin); undefined if none. */
function findProgram(name: string): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  const path = process.env.PATH ?? '/bin:/usr/bin';
  return path.split(delimiter).map((dir) => join(dir, name)).find((p) => existsSync(p));
}

/** Feeds the source to QEMU's stdin (framed or as is) with back-pressure; returns the stop. */
function feed(input: { mode: ConsoleMode; source: Readable }, stdin: Writable): () => void {
  stdin.on('error', () => undefined); // EPIPE once QEMU is gone: nothing is left to feed
  const stream = input.mode === 'framed' ? input.source.pipe(new FramingStream()) : input.source;
  stream.pipe(stdin, { end: false });
  return () => {
    stream.unpipe(stdin);
    input.source.unpipe();
    input.source.destroy();
  };
}

const signalStatus: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };

/** Boots the VM and resolves with the status `ukify run` exits with; writes QEMU errors as one line. */
export function runQemu(run: QemuRun): Promise<number> {
  return new Promise((resolve, reject) => {
    const stderr = run.stderr ?? process.stderr;
    const stdin = run.input === undefined ? 'inherit' : 'pipe';
    const qemu = findProgram(run.qemu);
    if (qemu === undefined) return reject(new QemuError(`${run.qemu} not found: install QEMU (apt-get install qemu-system-x86)`, 2));
    // QEMU runs in a session of its own: a terminal's Ctrl-C reaches only us, and we ask the guest to stop.
    const [command, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', qemu, ...run.args]] : [qemu, run.args];
    const env = run.preload === undefined ? process.env : { ...process.env, LD_PRELOAD: [run.preload, process.env.LD_PRELOAD].filter((p) => p).join(' ') };
    const traceFd = run.trace === undefined ? [] : ['pipe' as const];
    const child = spawn(command, args, { detached: true, env, stdio: [stdin, run.stdout === undefined ? 'inherit' : 'pipe', 'pipe', 'pipe', 'pipe', ...traceFd] });
    let stopFeeding: (() => void) | undefined;
    if (run.stdout !== undefined) child.stdout?.pipe(run.stdout, { end: false });
    let record: ExitRecord | undefined;
    let interrupted: NodeJS.Signals | undefined;
    let qemuStderr = '';

    // A stream to a QEMU that died (killed from outside) fails with EPIPE or ECONNRESET: its 'close'
    // below says what happened, never a stack trace.
    for (const stream of child.stdio as readonly (Readable | Writable | null)[]) stream?.on('error', () => undefined);
    const debugcon = child.stdio[DEBUGCON_FD] as Readable;
    const lines = new LineSplitter();
    const merge = new LogMerge((chunk) => stderr.write(chunk), run.onLog);
    const onLine = (line: string): void => {
      const parsed = parseExitRecord(line);
      if (parsed !== undefined) record = parsed;
      else if (line.startsWith(STATS_RECORD)) run.onStats?.(line);
      else if (run.crash !== undefined && line.startsWith(CRASH_RECORD)) run.crash.take(line)?.forEach((l) => merge.log(l));
      else if (line === CONSOLE_READY) {
        if (run.input !== undefined && child.stdin !== null && stopFeeding === undefined) stopFeeding = feed(run.input, child.stdin);
      } else merge.log(line);
    };
    debugcon.setEncoding('latin1');
    debugcon.on('data', (chunk: string) => lines.push(chunk).forEach(onLine));
    debugcon.on('end', () => lines.end().forEach(onLine));
    (child.stdio[STDERR_FD] as Readable).on('data', (chunk: Buffer) => merge.app(chunk));
    if (run.trace !== undefined) {
      const trace = run.trace;
      const streams: readonly unknown[] = child.stdio;
      (streams[TRACE_FD] as Readable).on('data', (chunk: Buffer) => trace.push(chunk).forEach((line) => merge.log(line)));
    }
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (qemuStderr += chunk));

    // The first signal asks the guest to stop; the grace period or a second signal ends QEMU.
    let graceTimer: NodeJS.Timeout | undefined;
    const powerOff = (signal: NodeJS.Signals): void => {
      interrupted = signal;
      child.kill('SIGTERM');
    };
    const stop = (signal: NodeJS.Signals): void => {
      const grace = run.stopTimeoutMs ?? 0;
      if (graceTimer !== undefined || grace === 0) return powerOff(signal);
      (child.stdio[STDERR_FD] as Writable).write(STOP_REQUEST);
      graceTimer = setTimeout(() => powerOff(signal), grace);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    signals.forEach((s) => process.on(s, stop));
    const stopAsked = (): void => stop('SIGTERM');
    run.stop?.addEventListener('abort', stopAsked, { once: true });
    if (run.stop?.aborted === true) stopAsked();
    const cleanup = (): void => {
      clearTimeout(graceTimer);
      signals.forEach((s) => process.off(s, stop));
      run.stop?.removeEventListener('abort', stopAsked);
      stopFeeding?.();
      if (stopFeeding === undefined) run.input?.source.destroy();
    };

    let failed = false;
    child.on('error', (error: NodeJS.ErrnoException) => {
      failed = true;
      cleanup();
      reject(
        error.code === 'ENOENT'
          ? new QemuError(`${run.qemu} not found: install QEMU (apt-get install qemu-system-x86)`, 2)
          : new QemuError(`cannot start ${run.qemu}: ${error.message}`, 2),
      );
    });
    child.on('close', (code) => {
      cleanup();
      run.trace?.end().forEach((line) => merge.log(line));
      merge.flush();
      if (failed) return; // spawn failed: already reported by 'error'
      if (interrupted !== undefined) return resolve(signalStatus[interrupted] ?? 130);
      const outcome = exitOutcome(record);
      if (outcome.message !== undefined) {
        const qemuSaid = firstQemuError(qemuStderr);
        const qemuDetail = qemuSaid !== undefined ? `: QEMU says: ${qemuSaid}` : code !== 0 && code !== null ? ` (QEMU exit status ${code})` : '';
        const detail = record === undefined ? qemuDetail : '';
        stderr.write(`ukify: ${outcome.message}${detail}\n`);
      }
      resolve(outcome.status);
    });
  });
}

/** The first line QEMU wrote, without its program-name prefix. */
export function firstQemuError(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.trim() !== '');
  return line?.replace(/^[^:]*qemu-system-[^:]*:\s*/, '').trim();
}
