// `--stop-timeout SECONDS`: how long `ukify run` waits, after asking every process of the VM to
// stop (SIGTERM, on Ctrl-C or SIGTERM), before it powers the VM off. Pure parsing only.

export const DEFAULT_STOP_TIMEOUT_S = 10;

export class StopTimeoutError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

/** Seconds (a non-negative number, fractions allowed) as milliseconds. */
export function parseStopTimeout(text: string): number {
  if (!/^\d+(\.\d+)?$/.test(text)) throw new StopTimeoutError(`--stop-timeout wants a number of seconds, got '${text}'`);
  return Math.round(Number(text) * 1000);
}
