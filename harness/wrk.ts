// wrk (Debian package wrk), the HTTP load tool users point at their servers: keep-alive connections
// held open for a duration, its report read into numbers. Shared by the scale test and benchmark.
import { execFile } from 'node:child_process';

export interface WrkRun {
  requests: number;
  rps: number;
  /** Socket errors by kind (wrk's "Socket errors:" line; all 0 when it prints none). */
  errors: { connect: number; read: number; write: number; timeout: number };
  /** Responses whose status was not 2xx or 3xx. */
  non2xx: number;
  /** Mean latency of the requests that completed, ms. */
  latencyMs: number;
  status: number;
  /** What wrk printed (stdout, then stderr). */
  text: string;
}

function number(text: string, pattern: RegExp): number {
  const m = pattern.exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

function durationMs(value: string, unit: string): number {
  const scale: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  return Number(value) * (scale[unit] ?? Number.NaN);
}

/** wrk's report: "N requests in Ts", "Requests/sec:", "Socket errors: connect a, read b, write c, timeout d". */
export function parseWrk(text: string): Omit<WrkRun, 'status' | 'text'> {
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const latency = /^\s*Latency\s+([\d.]+)(us|ms|s|m|h)\s/m.exec(text);
  return {
    requests: number(text, /^\s*(\d+) requests in /m),
    rps: number(text, /^Requests\/sec:\s+([\d.]+)/m),
    errors: {
      connect: socket === null ? 0 : Number(socket[1]),
      read: socket === null ? 0 : Number(socket[2]),
      write: socket === null ? 0 : Number(socket[3]),
      timeout: socket === null ? 0 : Number(socket[4]),
    },
    non2xx: number(text, /Non-2xx or 3xx responses: (\d+)/) || 0,
    latencyMs: latency === null ? Number.NaN : durationMs(latency[1] as string, latency[2] as string),
  };
}

/** All of a run's errors: socket errors of every kind and non-2xx/3xx responses. */
export function wrkErrors(run: Pick<WrkRun, 'errors' | 'non2xx'>): number {
  const e = run.errors;
  return e.connect + e.read + e.write + e.timeout + run.non2xx;
}

export interface WrkOptions {
  connections: number;
  seconds: number;
  /** Default 2, one per core here. */
  threads?: number;
  /** wrk's --timeout in seconds (its default: 2). */
  timeoutS?: number;
  headers?: string[];
}

/** wrk -t T -c C -d Ds URL. wrk needs at least as many connections as threads. */
export function wrk(url: string, o: WrkOptions): Promise<WrkRun> {
  const threads = Math.min(o.threads ?? 2, o.connections);
  const args = ['-t', String(threads), '-c', String(o.connections), '-d', `${o.seconds}s`];
  if (o.timeoutS !== undefined) args.push('--timeout', `${o.timeoutS}s`);
  for (const h of o.headers ?? []) args.push('-H', h);
  args.push(url);
  return new Promise((resolve) => {
    execFile('wrk', args, { timeout: (o.seconds + 60) * 1000, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const status = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      const text = `${stdout}${stderr}`;
      resolve({ ...parseWrk(text), status, text });
    });
  });
}
