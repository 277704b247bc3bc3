// The flags that shape an image, shared by `ukify build`, `ukify run PROGRAM` and `ukify PROGRAM`,
// and their merge with the config file (packager/options.ts, packager/config.ts).
import type { Command } from 'commander';
import { readConfig } from '../../packager/config.js';
import { flagLayer, mergeOptions, type PackageOptions } from '../../packager/options.js';

export interface PackageFlags {
  env?: string[];
  file?: string[];
  dir?: string[];
  workdir?: string;
  config?: string;
}

export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addPackageFlags(command: Command): Command {
  return command
    .option('-e, --env <KEY=VALUE>', 'environment variable for the program (repeatable)', collect)
    .option('--file <HOST:GUEST>', 'put a host file into the image at GUEST (repeatable; HOST alone: the same path)', collect)
    .option('--dir <HOST:GUEST>', 'put a host directory tree into the image at GUEST (repeatable; symlinks stay symlinks)', collect)
    .option('-w, --workdir <DIR>', 'the program\'s working directory in the guest (made when absent)')
    .option('-c, --config <FILE>', 'options from a JSON file (default: ./ukify.json when present); flags override it');
}

/** The config file's options, then the flags (which win); `memory` only matters to `ukify run`. */
export function packageOptions(flags: PackageFlags & { memory?: string }, args: readonly string[], cwd = process.cwd()): PackageOptions {
  const config = readConfig(flags.config, cwd);
  const layer = flagLayer({ ...flags, args }, cwd);
  return mergeOptions(config, layer);
}

/** The fields of a packager BuildRequest that the options give. */
export function buildFields(options: PackageOptions): { env: string[]; args: string[]; files: PackageOptions['files']; dirs: PackageOptions['dirs']; workdir?: string } {
  return {
    env: options.env,
    args: options.args,
    files: options.files,
    dirs: options.dirs,
    ...(options.workdir === undefined ? {} : { workdir: options.workdir }),
  };
}

export function printWarnings(warnings: readonly string[]): void {
  for (const warning of warnings) process.stderr.write(`ukify: warning: ${warning}\n`);
}
