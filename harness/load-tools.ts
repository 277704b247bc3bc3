// Real load tools against a server, as users measure theirs: redis-benchmark (redis-tools, with
// redis-server) and ab (apache2-utils), their outputs read into numbers. Shared by the tests
// (errors, completeness) and the benchmarks (rates, worst latencies).
import { execFile } from 'node:child_process';

export interface RedisRun {
  /** Per test (SET, GET): requests per second and the worst latency in ms. */
  tests: { name: string; rps: number; maxMs: number }[];
  /** Lines that report an error or a reset connection. */
  errors: string[];
  status: number;
}

export interface AbRun {
  complete: number;
  failed: number;
  rps: number;
  /** The longest request, ms. */
  longestMs: number;
  status: number;
  /** ab's own complaint when it gave up (apr_pollset_poll...), else ''. */
  error: string;
}

/** Runs a command, resolving with its status and what it printed (stdout, then stderr); a run
 * killed at the timeout ends its text with a line saying so. */
function capture(command: string, args: string[], timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      const late = error?.killed === true ? `\nerror: ${command} had not ended after ${timeoutMs / 1000} s\n` : '';
      resolve({ status: code, text: `${stdout}${stderr}${late}` });
    });
  });
}

/** redis-benchmark's report: "====== SET ======" sections with a throughput and a latency summary. */
export function parseRedisBenchmark(text: string): Omit<RedisRun, 'status'> {
  const lines = text.replace(/\r/g, '\n').split('\n');
  const tests: RedisRun['tests'] = [];
  let name: string | undefined;
  let rps = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const header = /^====== (\S+) ======$/.exec(line.trim());
    if (header !== null) name = header[1];
    const throughput = /throughput summary: ([\d.]+) requests per second/.exec(line);
    if (throughput !== null) rps = Number(throughput[1]);
    if (/latency summary \(msec\):/.test(line) && name !== undefined) {
      const values = (lines[i + 2] ?? '').trim().split(/\s+/).map(Number);
      tests.push({ name, rps, maxMs: values[5] ?? Number.NaN });
    }
  }
  const errors = lines.filter((l) => /error|reset|refused/i.test(l));
  return { tests, errors };
}

export async function redisBenchmark(port: number, clients: number, requests: number, timeoutMs = 120_000): Promise<RedisRun> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', 'set,get', '-n', String(requests), '-c', String(clients)];
  const { status, text } = await capture('redis-benchmark', args, timeoutMs);
  return { ...parseRedisBenchmark(text), status };
}

function field(text: string, pattern: RegExp): number {
  const m = pattern.exec(text);
  return m === null ? Number.NaN : Number(m[1]);
}

/** ab's report: complete and failed requests, the rate, the longest request. */
export function parseAb(text: string): Omit<AbRun, 'status'> {
  return {
    complete: field(text, /^Complete requests:\s+(\d+)/m),
    failed: field(text, /^Failed requests:\s+(\d+)/m),
    rps: field(text, /^Requests per second:\s+([\d.]+)/m),
    longestMs: field(text, /^\s*100%\s+(\d+) \(longest request\)/m),
    error: /^apr_\S+: .*$/m.exec(text)?.[0] ?? '',
  };
}

/** ab -n REQUESTS -c CONCURRENCY URL: a new connection per request (HTTP/1.0, no keep-alive). */
export async function apacheBench(url: string, requests: number, concurrency: number, timeoutMs = 300_000): Promise<AbRun> {
  const { status, text } = await capture('ab', ['-q', '-n', String(requests), '-c', String(concurrency), url], timeoutMs);
  return { ...parseAb(text), status };
}
