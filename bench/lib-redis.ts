// Debian's redis-server for the benchmarks, as a user starts it in a VM: ukify images of it (built
// once, with or without the rewriter), and the Linux guest with redis in its initramfs; and whether
// a server answers redis-benchmark yet.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../fixtures/index.js';
import { redisBenchmark } from '../harness/load-tools.js';
import { LinuxGuestError, makeInitramfs, prepareLinuxGuest } from './lib-linux-guest.js';

const cli = join(repoRoot, 'dist', 'cli', 'main.js');

export const redisServer = '/usr/bin/redis-server';
/**
 * Redis's compiled-in defaults but two: protected mode off (the connections come through QEMU's
 * forward, from 10.0.2.2, which protected mode refuses without a password), as in a container; and
 * no RDB snapshots (`--save ''`): the default `save` rules would fork a background save in the
 * middle of a run of 20,000 SETs.
 */
export const redisArgs = ['--protected-mode', 'no', '--save', ''];

/** One SET and one GET answered. */
export async function redisAnswers(port: number): Promise<boolean> {
  const r = await redisBenchmark(port, 1, 1, 5_000);
  return r.status === 0 && r.tests.length === 2;
}

/**
 * `ukify build PROGRAM -o IMAGE [FLAGS] -- ARGS`, with `kernel` in the image when given (UKIFY_KERNEL);
 * resolves with what it printed on stdout (the summary: its "syscall sites:" line says what the
 * rewriter did), rejects with its first line of stderr.
 */
export async function ukifyBuild(program: string, image: string, flags: readonly string[] = [], args: readonly string[] = [], kernel?: string): Promise<string> {
  const child = spawn(process.execPath, [cli, 'build', program, '-o', image, ...flags, ...(args.length > 0 ? ['--', ...args] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(kernel === undefined ? {} : { UKIFY_KERNEL: kernel }) },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const status = await new Promise<number | null>((done) => child.on('close', done));
  if (status !== 0) {
    const said = err.split('\n').find((l) => l.trim() !== '')?.trim();
    throw new Error(`ukify build ${program}${flags.length > 0 ? ` ${flags.join(' ')}` : ''} failed${said !== undefined ? `: ${said}` : ''}`);
  }
  return out;
}

/** Redis in the Linux guest's initramfs (with the network modules), or why there is none. */
export function linuxRedis(initrd: string): { vmlinux: string } | { unavailable: string } {
  try {
    const kernel = prepareLinuxGuest();
    makeInitramfs(redisServer, redisArgs, initrd, [], { modules: kernel.modules });
    return { vmlinux: kernel.vmlinux };
  } catch (error) {
    if (error instanceof LinuxGuestError) return { unavailable: error.message };
    throw error;
  }
}
