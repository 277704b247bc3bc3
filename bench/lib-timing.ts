// Wall time (and output) of one command run to completion. A run that fails throws an Error whose message is one
// line saying how it ended and the first thing it printed, for a table's "not available (...)".
import { spawnSync } from 'node:child_process';

export interface TimedCommand {
  command: string;
  args: readonly string[];
  /** The exit status that means success (raw QEMU exits 1 after the app's exit(0)). Default 0. */
  status?: number;
  cwd?: string;
  /** Default: empty, as the guests give their programs. */
  env?: NodeJS.ProcessEnv;
  /** Extra child descriptors 3 and 4 as pipes (QEMU's COM2 and debugcon channels). */
  extraFds?: boolean;
  timeoutMs?: number;
  /** How a failure message names the command; default: the command line. */
  what?: string;
}

function commandText(c: TimedCommand): string {
  return c.what ?? [c.command, ...c.args].join(' ');
}

/** Runs the command and returns its wall time in ms. */
export function timeCommand(c: TimedCommand): number {
  return runTimed(c).ms;
}

/** Runs the command and returns its wall time in ms and what it printed on stdout. */
export function runTimed(c: TimedCommand): { ms: number; stdout: string } {
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe', ...(c.extraFds === true ? (['pipe', 'pipe'] as const) : [])];
  const started = process.hrtime.bigint();
  const r = spawnSync(c.command, c.args, {
    stdio,
    cwd: c.cwd,
    env: c.env ?? {},
    timeout: c.timeoutMs ?? 300_000,
    killSignal: 'SIGKILL',
    maxBuffer: 64 << 20,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.error !== undefined) throw new Error(`${c.command}: ${r.error.message}`);
  const expected = c.status ?? 0;
  if (r.status !== expected) {
    const said = `${String(r.stderr)}\n${String(r.stdout)}`.split('\n').find((l) => l.trim() !== '')?.trim();
    const how = r.status === null ? `killed by ${r.signal ?? 'a signal'}` : `exit status ${r.status}`;
    throw new Error(`${commandText(c)}: ${how}${said !== undefined ? `: ${said}` : ''}`);
  }
  return { ms, stdout: String(r.stdout) };
}

export function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'unknown error';
}
