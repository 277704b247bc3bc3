// The command line as a user meets it: usage mistakes are one line and exit status 2; help and version exit 0.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

function ukify(...args: string[]) {
  const r = spawnSync('node', ['dist/cli/main.js', ...args], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('usage mistakes', () => {
  const cases: [string[], RegExp][] = [
    [['--bogus'], /^ukify: unknown option '--bogus'$/],
    [['analyze'], /^ukify: missing required argument 'elf'$/],
    [['run', '/bin/true', '--accel', 'bogus'], /^ukify: option '--accel <accel>' argument 'bogus' is invalid/],
    [['analyze', '/bin/true', '--nope'], /^ukify: unknown option '--nope'$/],
  ];
  for (const [args, message] of cases) {
    it(`ukify ${args.join(' ')}: one line, exit 2`, () => {
      const r = ukify(...args);
      expect(r.status).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(r.stdout).toBe('');
    });
  }
});

describe('help and version', () => {
  it('--help lists every command and exits 0', () => {
    const r = ukify('--help');
    expect(r.status).toBe(0);
    for (const command of ['analyze', 'build', 'run', 'syscalls']) expect(r.stdout).toContain(command);
  });

  it('--version prints the package version and exits 0', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    const r = ukify('--version');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });
});
