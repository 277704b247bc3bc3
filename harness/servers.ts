// Servers the tests and benchmarks start (natively, or in a VM through `ukify run -p`) and talk to
// over HTTP: a background process with its output collected, readiness polling, and one HTTP request.
import { type ChildProcess, spawn } from 'node:child_process';
import { type Agent, request } from 'node:http';
import { join } from 'node:path';
import { repoRoot } from '../fixtures/index.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');

export interface Server {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

export interface ServerOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Give the server a pipe on stdin (proc.stdin) instead of none. */
  stdin?: boolean;
}

/** COMMAND ARGS... in the background (empty environment unless given), its output collected. */
export function startServer(command: string, args: string[], options: ServerOptions = {}): Server {
  const stdin = options.stdin === true ? 'pipe' : 'ignore';
  const proc = spawn(command, args, { stdio: [stdin, 'pipe', 'pipe'], env: options.env ?? {}, cwd: options.cwd });
  let out = '';
  let err = '';
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  proc.stdin?.on('error', () => undefined); // a write after the server ended: its exit status tells the test
  const exit = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)));
  return { proc, stdout: () => out, stderr: () => err, exit };
}

/** `ukify run ARGS...` (node needs PATH to find QEMU); with stdin, what is written to proc.stdin is the guest's stdin. */
export function ukifyRun(args: string[], options: { stdin?: boolean } = {}): Server {
  return startServer(process.execPath, [cli, 'run', ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdin: options.stdin });
}

/** Polls ready() every 100 ms (a rejection counts as not ready); fails when the server ends first
 * (a Server, or a function saying whether it has ended) or after timeoutMs. */
export async function until(what: string, ready: () => Promise<boolean>, server: Server | (() => boolean), timeoutMs = 60_000): Promise<void> {
  const ended = typeof server === 'function' ? server : () => server.proc.exitCode !== null;
  const why = typeof server === 'function' ? '' : `: ${server.stderr()}`;
  const t0 = Date.now();
  while (!(await ready().catch(() => false))) {
    if (ended()) throw new Error(`${what}: ended before it was ready${why}`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`${what}: not ready after ${timeoutMs / 1000} s${why}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for the exit status, at most ms; a server still running then is a failure. */
export async function exitWithin(server: Server, ms: number): Promise<number | null | 'still running'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still running'>((done) => (timer = setTimeout(() => done('still running'), ms)));
  try {
    return await Promise.race([server.exit, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** SIGTERM (ukify run then stops QEMU) and the exit. */
export async function stopServer(server: Server): Promise<void> {
  if (server.proc.exitCode === null && server.proc.signalCode === null) server.proc.kill('SIGTERM');
  await server.exit;
}

export interface Reply {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** The client's side of the connection: the same on requests that reused one. */
  localPort?: number;
}

/** One request to 127.0.0.1:port, on its own connection unless a keep-alive agent is given. */
export function http(port: number, method: string, path: string, options: { body?: Buffer; agent?: Agent; headers?: Record<string, string> } = {}): Promise<Reply> {
  const { body, agent } = options;
  return new Promise((resolve, reject) => {
    const forBody = body === undefined ? {} : { 'content-length': String(body.length), 'content-type': 'application/octet-stream' };
    const headers = { ...forBody, ...options.headers };
    const req = request({ host: '127.0.0.1', port, method, path, headers, agent: agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      const localPort = res.socket.localPort;
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers, localPort }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
