// The guest's initramfs: our /init (init.c, compiled static at bench time), the program as /prog and
// its arguments NUL-separated in /args. The kernel's built-in initramfs already provides /dev/console.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpioArchive } from '../../packager/cpio.js';
import { repoRoot } from '../../fixtures/index.js';
import { LinuxGuestError } from './error.js';

// The C source stays in bench/linux-guest/ of the tree, also when this runs compiled from dist/.
const initSource = join(repoRoot, 'bench', 'linux-guest', 'init.c');
const outDir = join(repoRoot, 'build', 'linux-guest');

/** Compiles init.c into build/linux-guest/init unless that is newer than the source; returns its path. */
export function buildInit(): string {
  const binary = join(outDir, 'init');
  const fresh = (() => {
    try {
      return statSync(binary).mtimeMs >= statSync(initSource).mtimeMs;
    } catch {
      return false;
    }
  })();
  if (!fresh) {
    mkdirSync(outDir, { recursive: true });
    const tmp = `${binary}.${process.pid}.tmp`;
    execFileSync('gcc', ['-O2', '-static', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-o', tmp, initSource], { stdio: ['ignore', 'ignore', 'inherit'] });
    renameSync(tmp, binary);
  }
  return binary;
}

/** The /args file: every argument followed by a NUL. */
export function argsFile(args: readonly string[]): Uint8Array {
  if (args.some((a) => a.includes('\0'))) throw new LinuxGuestError('a program argument cannot contain a NUL byte');
  return new TextEncoder().encode(args.map((a) => `${a}\0`).join(''));
}

function readProgram(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new LinuxGuestError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'} (build it first: make -C fixtures)`);
  }
}

/** Writes a cpio newc initrd that runs `program` (a static binary) with `args` and powers off. */
export function makeInitramfs(program: string, args: readonly string[], outPath: string): void {
  const archive = cpioArchive([
    { name: 'init', mode: 0o100755, data: readFileSync(buildInit()) },
    { name: 'prog', mode: 0o100755, data: readProgram(program) },
    { name: 'args', mode: 0o100644, data: argsFile(args) },
  ]);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, archive);
}
