// `ukify run <image|elf> [-m SIZE] [--accel auto|kvm|tcg] [-e KEY=VAL]... [-v] [-- ARGS...]`.
// A program (rather than an image) is built into a temporary image first, removed afterwards.
import { Option, type Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { accelRequests, type AccelRequest } from '../../runner/accel.js';
import { parseMemoryMiB } from '../../runner/memory.js';
import { DEFAULT_MEMORY, runImage } from '../../runner/run.js';
import { imageFor, readInput } from '../../packager/build.js';
import { checkEnvPairs } from '../../packager/env.js';
import { hasElfMagic, inspectImage } from '../../packager/inspect.js';
import { UserError } from '../user-error.js';
import { collect } from './build.js';

interface RunOptions {
  memory: string;
  accel: AccelRequest;
  env?: string[];
  verbose?: boolean;
}

async function runProgram(path: string, args: string[], options: RunOptions): Promise<number> {
  const env = checkEnvPairs(options.env ?? []);
  parseMemoryMiB(options.memory); // a malformed -m fails before anything is built
  const common = { memory: options.memory, accel: options.accel, verbose: options.verbose === true };
  const bytes = readInput(path, 'file');
  if (inspectImage(bytes) !== undefined) {
    return runImage({ image: path, ...common, env, ...(args.length > 0 ? { args } : {}) });
  }
  if (!hasElfMagic(bytes)) throw new UserError(`${path} is neither an ukify image nor an ELF program`);
  // A program: env and args go into the bundle, exactly as given (no command-line quoting).
  const { image } = imageFor({ program: path, env, args });
  const dir = mkdtempSync(join(tmpdir(), 'ukify-run-'));
  try {
    const imagePath = join(dir, `${basename(path)}.img`);
    writeFileSync(imagePath, image);
    return await runImage({ image: imagePath, ...common, env: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('boot an image (or a static program, built into a temporary image) under QEMU')
    .argument('<image-or-elf>', 'image or program to boot')
    .argument('[args...]', 'arguments for the program, replacing the image\'s (put them after --)')
    .option('-m, --memory <size>', 'guest memory (MiB, or with a K, M or G suffix)', DEFAULT_MEMORY)
    .addOption(new Option('--accel <accel>', 'accelerator: auto (KVM only with VT-x/AMD-V), kvm or tcg').choices(accelRequests).default('auto'))
    .option('-e, --env <KEY=VALUE>', 'environment variable for the program (repeatable)', collect)
    .option('-v, --verbose', 'show the whole kernel log on stderr (default: warnings and errors only)')
    .action(async (target: string, args: string[], options: RunOptions) => {
      process.exitCode = await runProgram(target, args, options);
    });
}
