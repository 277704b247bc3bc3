// Where the kernel is: $UKIFY_KERNEL, else build/kernel/ukify-kernel.elf under the repository root
// (the nearest folder above this module holding package.json; this runs from the tree and from dist/).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return start;
}

export function kernelPath(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env['UKIFY_KERNEL'];
  if (chosen !== undefined && chosen !== '') return chosen;
  return join(findRoot(dirname(fileURLToPath(import.meta.url))), 'build', 'kernel', 'ukify-kernel.elf');
}
