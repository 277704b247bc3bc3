// Where the build puts what ukify uses at run time, under the repository root (the nearest folder
// above this module holding package.json; this runs from the tree and from dist/): the kernel
// ($UKIFY_KERNEL, else build/kernel/ukify-kernel.elf) and the library `ukify run` preloads into QEMU.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return start;
}

const buildDir = join(findRoot(dirname(fileURLToPath(import.meta.url))), 'build');

export function kernelPath(env: NodeJS.ProcessEnv = process.env): string {
  const chosen = env['UKIFY_KERNEL'];
  if (chosen !== undefined && chosen !== '') return chosen;
  return join(buildDir, 'kernel', 'ukify-kernel.elf');
}

/** runner/qemu-preload-*.c, built: raises the listen backlog of QEMU's port forwards and returns
 * QEMU's freed heap pages to the host. */
export const qemuPreloadLibrary: string = join(buildDir, 'runner', 'qemu-preload.so');
