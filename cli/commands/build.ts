// `ukify build <elf> [-o IMAGE] [-e KEY=VAL]... [-- ARGS...]`: package a program into a bootable image.
import type { Command } from 'commander';
import { relative } from 'node:path';
import { buildImageFile } from '../../packager/build.js';
import { checkEnvPairs } from '../../packager/env.js';

interface BuildOptions {
  output?: string;
  env?: string[];
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build a bootable image from a static program')
    .argument('<elf>', 'program to package')
    .argument('[args...]', 'arguments the program gets in the guest (put them after --)')
    .option('-o, --output <image>', 'image to write (default: <program name>.img here; an existing non-image file is only replaced when named here)')
    .option('-e, --env <KEY=VALUE>', 'environment variable for the program (repeatable)', collect)
    .action((elf: string, args: string[], options: BuildOptions) => {
      const result = buildImageFile({
        program: elf,
        ...(options.output === undefined ? {} : { output: options.output }),
        env: checkEnvPairs(options.env ?? []),
        args,
      });
      const shown = relative(process.cwd(), result.output) || result.output;
      process.stdout.write(`wrote ${shown} (${formatSize(result.size)}; the program is ${result.argv0} in the image)\n`);
      process.stdout.write(`run it: ukify run ${shown}\n`);
    });
}
