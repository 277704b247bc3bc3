// Build options seen from inside the guest: `ukify run PROGRAM` with -w, --file and --missing-files,
// booted under QEMU and compared with the same busybox command run natively (strace for the paths
// a native run fails to find).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNative } from './helpers/native.js';
import { ukifyRun } from './helpers/guest.js';

const busybox = '/bin/busybox';
const work = mkdtempSync(join(tmpdir(), 'ukify-options-boot-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const run = (args: string[]) => ukifyRun(args, { cwd: work, timeoutMs: 120_000 });

const isRoot = process.getuid?.() === 0;

describe('ukify run PROGRAM with build options, under QEMU', () => {
  it('-w: the program starts in the working directory (busybox pwd, same path natively)', () => {
    const dir = join(work, 'some', 'work dir');
    mkdirSync(dir, { recursive: true });
    const native = runNative(busybox, ['pwd'], { cwd: dir });
    const guest = run([busybox, '-w', dir, '--', 'pwd']);
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.status).toBe(0);
  });

  it('--file and --dir: the guest reads the files (busybox cat and find, against the native runs)', () => {
    const tree = join(work, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'a.txt'), 'alpha\n');
    writeFileSync(join(tree, 'sub', 'b.txt'), 'beta\n');
    execFileSync('ln', ['-s', 'sub/b.txt', join(tree, 'link')]);
    // The same absolute paths in the guest as on the host: the outputs must match byte for byte.
    const cat = ['cat', join(tree, 'a.txt'), join(tree, 'link')];
    expect(run([busybox, '--dir', tree, '--', ...cat]).stdout).toBe(runNative(busybox, cat).stdout);
    const find = ['find', tree];
    const guestFind = run([busybox, '--dir', tree, '--', ...find]);
    expect(guestFind.stdout.split('\n').sort()).toEqual(runNative(busybox, find).stdout.split('\n').sort());
    expect(guestFind.status).toBe(0);
  });

  it.skipIf(!isRoot)('the generated /etc/passwd answers getpwuid(0) as the host\'s does for root (busybox whoami)', () => {
    const guest = run([busybox, '--', 'whoami']);
    expect(guest.stdout).toBe(runNative(busybox, ['whoami']).stdout);
    expect(guest.stdout).toBe('root\n');
  });

  it('--missing-files: the paths the program failed to find, as strace sees them natively', () => {
    const present = join(work, 'present.txt');
    writeFileSync(present, 'here\n');
    const args = ['cat', present, '/nope/a', join(work, 'absent'), '/nope/a'];
    const trace = join(work, 'strace.log');
    const native = spawnSync('strace', ['-f', '-qq', '-e', 'trace=%file', '-o', trace, busybox, ...args], { encoding: 'utf8', env: {} });
    const enoent = [...new Set([...readFileSync(trace, 'utf8').matchAll(/^\d+\s+\w+\((?:AT_FDCWD, )?"([^"]+)".*= -1 ENOENT/gm)].map((m) => m[1] as string))].sort();
    expect(enoent).toEqual(['/nope/a', join(work, 'absent')].sort());

    const guest = run([busybox, '--file', present, '--missing-files', '--', ...args]);
    expect(guest.missing).toEqual(enoent);
    expect(guest.stdout).toBe(native.stdout);
    expect(guest.appStderr).toBe(native.stderr);
    expect(guest.status).toBe(native.status);
    // The list comes after everything else, once.
    expect(guest.stderr.match(/ukify: missing files/g)?.length).toBe(1);
    expect(guest.stderr.trimEnd().endsWith(`  ${enoent[enoent.length - 1] ?? ''}`)).toBe(true);
  });

  it('--missing-files with nothing missing says so', () => {
    const guest = run([busybox, '--missing-files', '--', 'true']);
    expect(guest.status).toBe(0);
    expect(guest.missing).toEqual([]);
    expect(guest.stderr).toMatch(/^ukify: missing files: none/m);
  });
});
