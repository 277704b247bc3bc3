// Builds everything the tests need exactly once per run: the fixtures (and, once it exists, the kernel).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function make(dir: string): void {
  execFileSync('make', ['-s', '-j2', '-C', dir], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export default function setup(): void {
  for (const dir of ['fixtures', 'kernel']) {
    if (existsSync(`${dir}/Makefile`)) make(dir);
  }
}
