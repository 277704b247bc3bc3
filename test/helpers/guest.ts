// Runs `ukify run ...` as a user does (the compiled CLI) and splits what it printed: the program's own
// stderr apart from the kernel's `ukify: ...` lines and the `--missing-files` list.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect } from 'vitest';

const cli = resolve('dist/cli/main.js');

export interface GuestRun {
  status: number | null;
  stdout: string;
  /** What the program itself wrote on stderr (the lines that are not ukify's own). */
  appStderr: string;
  /** The paths listed after `ukify: missing files` (with --missing-files). */
  missing: string[];
  stderr: string;
}

export interface GuestRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export function ukifyRun(args: string[], { cwd, env = process.env, timeoutMs = 300_000 }: GuestRunOptions): GuestRun {
  const r = spawnSync(process.execPath, [cli, 'run', ...args], { cwd, env, encoding: 'utf8', timeout: timeoutMs, input: '' });
  const lines = r.stderr.split('\n');
  const header = lines.findIndex((l) => l.startsWith('ukify: missing files'));
  const inList = (l: string, i: number) => header >= 0 && i > header && l.startsWith('  ');
  const missing = lines.filter(inList).map((l) => l.trim());
  const appStderr = lines
    .slice(0, -1) // the text after the last newline: empty
    .filter((l, i) => !l.startsWith('ukify: ') && !inList(l, i))
    .map((l) => `${l}\n`)
    .join('');
  return { status: r.status, stdout: r.stdout, appStderr, missing, stderr: r.stderr };
}

/** A guest run matches a native one: stdout, the program's stderr and the exit status. */
export function expectSameRun(guest: GuestRun, native: { stdout: string; stderr: string; status: number | null }): void {
  expect(guest.stdout).toBe(native.stdout);
  expect(guest.appStderr).toBe(native.stderr);
  expect(guest.status, guest.stderr).toBe(native.status);
}
