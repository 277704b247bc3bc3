// Go programs under ukify, as a user runs them (`node dist/cli/main.js run PROGRAM -- ARGS`), compared
// with the same program run natively: stdout, stderr and exit status must be the same.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../fixtures/index.js';
import { goFixturePath, type GoProgram, type GoVariant } from '../fixtures/go/index.js';
import { runNative } from './helpers/native.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');
const work = mkdtempSync(join(tmpdir(), 'ukify-go-boot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Run {
  stdout: string;
  stderr: string;
  status: number | null;
}

function underUkify(path: string, args: string[], env: Record<string, string>): Run {
  const envFlags = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  // TCG on a loaded 2-core machine: a Go program boots in well under a second alone, allow far more.
  const r = spawnSync(process.execPath, [cli, 'run', path, ...envFlags, '--', ...args], { cwd: work, encoding: 'utf8', timeout: 180_000, killSignal: 'SIGKILL' });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function sameAsNative(prog: GoProgram, variant: GoVariant, args: string[], env: Record<string, string> = {}): Run {
  const path = goFixturePath(prog, variant);
  const native = runNative(path, args, { env, cwd: work });
  const guest = underUkify(path, args, env);
  expect(guest).toEqual({ stdout: native.stdout, stderr: native.stderr, status: native.status });
  return guest;
}

describe('Go programs under ukify behave as natively', () => {
  it('go-hello.static: arguments, an environment variable, exit status 7', () => {
    const r = sameAsNative('hello', 'static', ['7', 'two words'], { UKIFY_GREETING: 'hi there' });
    expect(r.stdout).toContain('argv[2]=two words\n');
    expect(r.status).toBe(7);
  });
  it('go-hello.static: no arguments, no environment, exit status 0', () => {
    expect(sameAsNative('hello', 'static', []).stdout).toContain('UKIFY_GREETING=(unset)\n');
  });
  it('go-hello.cgo (dynamically linked against glibc, threads through pthread_create): exit status 3', () => {
    expect(sameAsNative('hello', 'cgo', ['3', 'x'], { UKIFY_GREETING: 'cgo' }).status).toBe(3);
  });
  it('go-workers.static pool, ids: goroutines on two threads, channels, WaitGroup; process and user ids', () => {
    const r = sameAsNative('workers', 'static', ['pool', 'ids']);
    expect(r.stdout).toMatch(/^results: \[0 2002 /);
    expect(r.stdout).toContain('uid == euid: true');
  });
  it('go-workers.stripped and go-hello.pie (as Debian ships Go programs: stripped; PIE, cgo)', () => {
    sameAsNative('workers', 'stripped', ['pool']);
    sameAsNative('hello', 'pie', ['5'], { UKIFY_GREETING: 'pie' });
  });
  // Go's netpoller (epoll and a pipe) sees every opened file (regular files: EPERM, not pollable)
  // and drives every timer.
  it('go-workers.static files and sleep: the netpoller on epoll, files, timers', () => {
    sameAsNative('workers', 'static', ['files', 'sleep']);
  });
});
