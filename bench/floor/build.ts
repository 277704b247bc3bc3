// Assembles the floor kernel (and its channel-test variant) into build/floor/ with gcc and ld.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../fixtures/index.js';

export type FloorVariant = 'floor' | 'channels';

// The sources stay in bench/floor/ of the tree, also when this runs compiled from dist/.
const sources = join(repoRoot, 'bench', 'floor');
const outDir = join(repoRoot, 'build', 'floor');

/** Builds one variant and returns the path of its PVH ELF. */
export function buildFloor(variant: FloorVariant): string {
  mkdirSync(outDir, { recursive: true });
  const object = join(outDir, `${variant}.o`);
  const elf = join(outDir, `${variant}.elf`);
  const defines = variant === 'channels' ? ['-DCHANNELS'] : [];
  execFileSync('gcc', ['-c', ...defines, '-o', object, join(sources, 'floor.S')]);
  execFileSync('ld', ['-m', 'elf_x86_64', '-n', '-z', 'noexecstack', '-T', join(sources, 'floor.ld'), '-o', elf, object]);
  return elf;
}
