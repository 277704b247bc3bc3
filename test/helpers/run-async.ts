// A command run to its end without blocking the test worker: spawnSync of a VM that runs for a
// minute stalls vitest's worker past its 60 s RPC timeout ("Timeout calling onTaskUpdate"), which
// fails the whole run though every test passed. Long guest runs use this instead.
import { spawn } from 'node:child_process';

export interface AsyncRun {
  status: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface AsyncRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed (default: empty). */
  input?: Buffer | string;
  /** SIGKILL after this long (the run then fails with an error). */
  timeoutMs?: number;
}

export function runAsync(command: string, args: readonly string[], options: AsyncRunOptions = {}): Promise<AsyncRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.stdin.on('error', () => undefined); // the program may end without reading all of it
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') reject(new Error(`${command} ${args.join(' ')}: killed after ${options.timeoutMs ?? 300_000} ms`));
      else resolve({ status, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
