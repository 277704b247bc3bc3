// Runs a program natively on the host, to compare its behaviour with a run under our kernel.
import { spawnSync } from 'node:child_process';

export interface NativeRun {
  stdout: string;
  stderr: string;
  /** Exit status, or null when the program was killed by a signal. */
  status: number | null;
  /** Name of the killing signal ('SIGSEGV'), or null after a normal exit. */
  signal: NodeJS.Signals | null;
  /** True when the timeout expired and the program was killed (then signal is 'SIGKILL'). */
  timedOut: boolean;
}

export interface NativeOptions {
  /** The whole environment of the program. Default: empty, like a guest given no env. */
  env?: Record<string, string>;
  cwd?: string;
  /** Bytes fed to stdin; default: none (stdin reads EOF). */
  input?: string;
  /** Default 30 s; a hung program is killed with SIGKILL. */
  timeoutMs?: number;
}

export function runNative(path: string, args: readonly string[] = [], opts: NativeOptions = {}): NativeRun {
  const r = spawnSync(path, args, {
    env: opts.env ?? {},
    cwd: opts.cwd,
    input: opts.input ?? '',
    timeout: opts.timeoutMs ?? 30_000,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  // Any other spawn failure (missing file, not executable) is a broken test set-up, not a result.
  if (r.error && !timedOut) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status, signal: r.signal, timedOut };
}
