// Builds everything the tests need exactly once per run: the fixtures, the kernel, the runner's QEMU
// preload library, and dist/ (the
// compiled CLI the tests run as users do). Compiling here, not in each test file, keeps one file's
// tsc from rewriting dist/ while another file is running the CLI from it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function make(dir: string): void {
  execFileSync('make', ['-s', '-j2', '-C', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export default function setup(): void {
  for (const dir of ['fixtures', 'kernel', 'runner']) {
    if (existsSync(`${dir}/Makefile`)) make(dir);
  }
  // tsc emits even when some file has a type error; the tests of the commands then say what is wrong.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'ignore' });
}
