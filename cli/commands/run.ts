// `ukify run <image|elf> [-m SIZE] [--accel auto|kvm|tcg] [-e KEY=VAL]... [-p [ADDR:]HOST:GUEST[/udp]]... [--net]
//  [-v] [--missing-files] [--stop-timeout SECONDS] [-- ARGS...]`.
// A program (rather than an image) takes every build option too (--file, --dir, -w, -c): it is built
// into a temporary image first, removed afterwards.
import { Option, type Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { accelRequests, type AccelRequest } from '../../runner/accel.js';
import { minimumMemoryMiB, parseMemoryMiB } from '../../runner/memory.js';
import { parsePortFlags } from '../../runner/ports.js';
import { DEFAULT_MEMORY, runImage } from '../../runner/run.js';
import { DEFAULT_STOP_TIMEOUT_S, parseStopTimeout } from '../../runner/stop-timeout.js';
import { checkEnvPairs } from '../../packager/env.js';
import { hasElfMagic, inspectImage } from '../../packager/inspect.js';
import { readInput } from '../../packager/read-input.js';
import { UserError } from '../user-error.js';
import { addNetworkFlags, addPackageFlags, buildFields, packageOptions, printWarnings, type NetworkFlags, type PackageFlags } from './package-flags.js';

interface RunOptions extends PackageFlags, NetworkFlags {
  memory?: string;
  accel: AccelRequest;
  verbose?: boolean;
  missingFiles?: boolean;
  stopTimeout?: string;
}

// Room for the program's heap and stacks above what the image itself occupies.
const HEADROOM_MIB = 64;

/** The build-only flags given for an image, which cannot take them. */
function buildOnlyFlags(options: RunOptions): string[] {
  return [
    ...(options.file === undefined ? [] : ['--file']),
    ...(options.dir === undefined ? [] : ['--dir']),
    ...(options.workdir === undefined ? [] : ['--workdir']),
    ...(options.config === undefined ? [] : ['--config']),
  ];
}

async function runProgram(path: string, args: string[], options: RunOptions): Promise<number> {
  if (options.memory !== undefined) parseMemoryMiB(options.memory); // a malformed -m fails before anything is built
  const common = {
    accel: options.accel, verbose: options.verbose === true, missingFiles: options.missingFiles === true, net: options.net === true,
    ...(options.stopTimeout === undefined ? {} : { stopTimeoutMs: parseStopTimeout(options.stopTimeout) }),
  };
  const bytes = readInput(path, 'file');
  if (inspectImage(bytes) !== undefined) {
    const misplaced = buildOnlyFlags(options);
    if (misplaced.length > 0) throw new UserError(`${misplaced.join(', ')}: ${path} is an image, already built; give these when building it (ukify build)`);
    const env = checkEnvPairs(options.env ?? []);
    const ports = parsePortFlags(options.publish ?? []);
    return runImage({ image: path, ...common, ports, memory: options.memory ?? DEFAULT_MEMORY, env, ...(args.length > 0 ? { args } : {}) });
  }
  if (!hasElfMagic(bytes)) throw new UserError(`${path} is neither an ukify image nor an ELF program`);
  // A program: env and args go into the bundle, exactly as given (no command-line quoting).
  const merged = packageOptions(options, args);
  // Loaded here, not at start-up: booting an image needs none of the packager.
  const { imageFor } = await import('../../packager/build.js');
  const { image, warnings } = imageFor({ program: path, ...buildFields(merged) });
  printWarnings(warnings);
  const info = inspectImage(image);
  const roomy = `${Math.max(parseMemoryMiB(DEFAULT_MEMORY), minimumMemoryMiB(info?.loadEnd ?? 0n) + HEADROOM_MIB)}M`;
  const dir = mkdtempSync(join(tmpdir(), 'ukify-run-'));
  try {
    const imagePath = join(dir, `${basename(path)}.img`);
    writeFileSync(imagePath, image);
    return await runImage({ image: imagePath, ...common, ports: merged.ports, memory: merged.memory ?? roomy, env: [] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function registerRun(program: Command): void {
  const command = program
    .command('run')
    .description('boot an image (or a program, built into a temporary image) under QEMU')
    .argument('<image-or-elf>', 'image or program to boot')
    .argument('[args...]', 'arguments for the program, replacing the image\'s (put them after --)')
    .option('-m, --memory <size>', `guest memory (MiB, or with a K, M or G suffix; default ${DEFAULT_MEMORY}, or more for a program whose image needs it)`)
    .addOption(new Option('--accel <accel>', 'accelerator: auto (KVM only with VT-x/AMD-V), kvm or tcg').choices(accelRequests).default('auto'))
    .option('-v, --verbose', 'show the whole kernel log on stderr (default: warnings and errors only)')
    .option('--missing-files', 'after the program exits, list the paths it looked up that were not in the image')
    .option('--stop-timeout <seconds>', `after Ctrl-C or SIGTERM, how long the guest's processes get to end after SIGTERM before the VM is powered off (default ${DEFAULT_STOP_TIMEOUT_S})`);
  addNetworkFlags(command);
  addPackageFlags(command).action(async (target: string, args: string[], options: RunOptions) => {
    process.exitCode = await runProgram(target, args, options);
  });
}
