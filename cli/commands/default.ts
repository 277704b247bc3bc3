// `ukify <elf> [build options] [-- ARGS...]`: analyze a program, print its syscall coverage line, build
// <name>.img from it (with the options of `ukify build`, ukify.json included) and say how to run it
// (with the -p forwards, --net and -v volumes given here or in ukify.json: they belong to `ukify run`,
// not the image).
// The analysis is printed first: it is useful even when the image cannot be built.
import type { Command } from 'commander';
import { basename, relative } from 'node:path';
import type { Analysis } from '../../analyzer/analysis.js';
import { allowlistLine } from '../../packager/allowlist.js';
import { rewriteLine } from '../../rewriter/report.js';
import type { BuildResult } from '../../packager/build.js';
import { checkProgramFile } from './analyze.js';
import { formatSize } from './build.js';
import {
  addNetworkFlags, addPackageFlags, addVolumeFlags, buildFields, networkWords, packageOptions, printWarnings, volumeWords, type NetworkFlags,
  type PackageFlags, type VolumeFlags,
} from './package-flags.js';

export function registerDefault(program: Command): void {
  program
    .argument('[elf]', 'program to analyze and build into an image (<name>.img here)')
    .argument('[args...]', 'arguments the program gets in the guest (put them after --)');
  addNetworkFlags(program);
  addVolumeFlags(program);
  program.option('--json', 'print the coverage, the image and what was added as JSON');
  addPackageFlags(program).action(async (elf: string | undefined, args: string[], flags: PackageFlags & NetworkFlags & VolumeFlags & { json?: boolean }) => {
    if (elf === undefined) program.help();
    checkProgramFile(elf);
    // Bad options fail before the (slower) analysis.
    const options = packageOptions(flags, args);
    // Loaded here, not at start-up: other commands (ukify run IMAGE) need neither the analyzer nor the packager.
    const [{ analyzeProgram }, { progressLine }, { coverageLine }, { buildImageFile, readInput }, { discoveryJson, discoveryText }, { programElf }] = await Promise.all([
      import('../../analyzer/analyze.js'),
      import('../../analyzer/report/progress.js'),
      import('../../analyzer/report/summary.js'),
      import('../../packager/build.js'),
      import('../../packager/discover/report.js'),
      import('../../packager/script.js'),
    ]);
    // a script is analyzed as the interpreter that runs it
    const target = programElf(elf, readInput(elf, 'program'));
    const progress = progressLine(process.stderr);
    let analysis: Analysis;
    try {
      analysis = await analyzeProgram(target, { onProgress: (message) => progress.update(message) });
    } finally {
      progress.done();
    }
    const json = flags.json === true;
    if (!json) process.stdout.write(`${basename(elf)}: ${coverageLine(analysis.coverage)}\n`);
    // The analysis is the packager's input: the libraries and named paths are not looked for again.
    let result: BuildResult;
    try {
      result = await buildImageFile({ program: elf, analysis, ...buildFields(options, flags), onProgress: (message) => progress.update(message) });
    } finally {
      progress.done();
    }
    printWarnings(result.warnings);
    const shown = relative(process.cwd(), result.output) || result.output;
    if (json) {
      const out = { coverage: analysis.coverage, ...(result.allowlist === undefined ? {} : { allowlist: result.allowlist }), ...(result.rewrite === undefined ? {} : { rewrite: result.rewrite }), image: result.output, size: result.size, ...(discoveryJson(result.added, result.skipped) as object) };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    process.stdout.write(`wrote ${shown} (${formatSize(result.size)})\n`);
    process.stdout.write(`${allowlistLine(result.allowlist)}\n`);
    process.stdout.write(`${rewriteLine(result.rewrite)}\n`);
    process.stdout.write(discoveryText(result.added, result.skipped));
    const run = ['ukify', 'run', shown, ...networkWords(options.ports, flags.net === true), ...volumeWords(options.volumes), '--', 'ARGS...'].join(' ');
    process.stdout.write(`run it: ${run}   (details: ukify analyze ${elf})\n`);
  });
}
