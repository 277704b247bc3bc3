// `ukify build <elf> [-o IMAGE] [-e KEY=VAL]... [--file H:G]... [--dir H:G]... [-w DIR] [-c FILE] [-- ARGS...]`:
// package a program into a bootable image.
import type { Command } from 'commander';
import { relative } from 'node:path';
import { allowlistLine } from '../../packager/allowlist.js';
import { rewriteLine } from '../../rewriter/report.js';
import type { BuildResult } from '../../packager/build.js';
import { addPackageFlags, buildFields, packageOptions, printWarnings, type PackageFlags } from './package-flags.js';

interface BuildOptions extends PackageFlags {
  output?: string;
  json?: boolean;
}

export function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function registerBuild(program: Command): void {
  const command = program
    .command('build')
    .description('build a bootable image from a program')
    .argument('<elf>', 'program to package')
    .argument('[args...]', 'arguments the program gets in the guest (put them after --)')
    .option('-o, --output <image>', 'image to write (default: <program name>.img here; an existing non-image file is only replaced when named here)')
    .option('--json', 'print what was built and added as JSON');
  addPackageFlags(command).action(async (elf: string, args: string[], flags: BuildOptions) => {
    const options = packageOptions(flags, args);
    // Loaded here, not at start-up: other commands (ukify run IMAGE) need none of the packager.
    const [{ buildImageFile }, { discoveryJson, discoveryText }, { progressLine }] = await Promise.all([
      import('../../packager/build.js'),
      import('../../packager/discover/report.js'),
      import('../../analyzer/report/progress.js'),
    ]);
    const progress = progressLine(process.stderr);
    let result: BuildResult;
    try {
      result = await buildImageFile({
        program: elf,
        ...(flags.output === undefined ? {} : { output: flags.output }),
        ...buildFields(options, flags),
        onProgress: (message) => progress.update(message),
      });
    } finally {
      progress.done();
    }
    printWarnings(result.warnings);
    const shown = relative(process.cwd(), result.output) || result.output;
    if (flags.json === true) {
      const json = { image: result.output, size: result.size, program: result.argv0, ...(result.allowlist === undefined ? {} : { allowlist: result.allowlist }), ...(result.rewrite === undefined ? {} : { rewrite: result.rewrite }), ...(discoveryJson(result.added, result.skipped) as object) };
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    process.stdout.write(`wrote ${shown} (${formatSize(result.size)}; the program is ${result.argv0} in the image)\n`);
    process.stdout.write(`${allowlistLine(result.allowlist)}\n`);
    process.stdout.write(`${rewriteLine(result.rewrite)}\n`);
    process.stdout.write(discoveryText(result.added, result.skipped));
    process.stdout.write(`run it: ukify run ${shown}\n`);
  });
}
