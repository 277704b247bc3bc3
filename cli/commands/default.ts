// `ukify <elf>`: build <name>.img from a program and say how to run it.
import type { Command } from 'commander';
import { relative } from 'node:path';
import { buildImageFile } from '../../packager/build.js';
import { formatSize } from './build.js';

export function registerDefault(program: Command): void {
  program.argument('[elf]', 'program to build into an image (<name>.img here)').action((elf: string | undefined) => {
    if (elf === undefined) program.help();
    const result = buildImageFile({ program: elf, env: [], args: [] });
    const shown = relative(process.cwd(), result.output) || result.output;
    process.stdout.write(`wrote ${shown} (${formatSize(result.size)})\n`);
    process.stdout.write(`run it: ukify run ${shown} -- ARGS...\n`);
  });
}
