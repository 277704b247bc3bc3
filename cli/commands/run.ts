// `ukify run <image|elf> [-m SIZE] [--accel auto|kvm|tcg] [-e KEY=VAL]... [-p [ADDR:]HOST:GUEST[/udp]]... [--net]
//  [-v HOST_DIR:GUEST_DIR[:ro]]... [--verbose] [--missing-files] [--stop-timeout SECONDS]
//  [--strace[=LIST]] [--strace-timestamps] [--strace-durations] [--syscall-summary] [--stats]
//  [--gdb[=PORT] [--gdb-script FILE]] [--core FILE] [-- ARGS...]`.
// A program (rather than an image) takes every build option too (--file, --dir, -w, -c): it is built
// into a temporary image first, removed afterwards.
import { Option, type Command } from 'commander';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { accelRequests, type AccelRequest } from '../../runner/accel.js';
import { DEFAULT_GDB_PORT, parseGdbPort } from '../../runner/gdb/prepare.js';
import { HEADROOM_MIB, parseMemoryMiB } from '../../runner/memory.js';
import { parsePortFlags } from '../../runner/ports.js';
import { runImage } from '../../runner/run.js';
import type { TraceRequest } from '../../runner/strace/session.js';
import { DEFAULT_STOP_TIMEOUT_S, parseStopTimeout } from '../../runner/stop-timeout.js';
import { checkHostDirs, parseVolumeFlags } from '../../runner/volumes.js';
import { checkEnvPairs } from '../../packager/env.js';
import { hasElfMagic, inspectImage } from '../../packager/inspect.js';
import { readInput } from '../../packager/read-input.js';
import { syscallNumber } from '../../packager/allowlist.js';
import { loadCatalog } from '../../syscall-shim/catalog.js';
import { shebang } from '../../packager/shebang.js';
import { UserError } from '../user-error.js';
import {
  addNetworkFlags, addPackageFlags, addVolumeFlags, buildFields, packageOptions, printWarnings, type NetworkFlags, type PackageFlags, type VolumeFlags,
} from './package-flags.js';

interface RunOptions extends PackageFlags, NetworkFlags, VolumeFlags {
  memory?: string;
  accel: AccelRequest;
  verbose?: boolean;
  missingFiles?: boolean;
  stopTimeout?: string;
  strace?: true | string;
  straceTimestamps?: boolean;
  straceDurations?: boolean;
  syscallSummary?: boolean;
  stats?: boolean;
  core?: string;
  gdb?: true | string;
  gdbScript?: string;
}

/** --gdb and --gdb-script as the runner takes them. */
function gdbRequest(o: RunOptions): { port: number; script?: string } | undefined {
  if (o.gdb === undefined) {
    if (o.gdbScript !== undefined) throw new UserError('--gdb-script goes with --gdb');
    return undefined;
  }
  return { port: parseGdbPort(o.gdb), ...(o.gdbScript === undefined ? {} : { script: o.gdbScript }) };
}

/** --strace and --syscall-summary as the runner takes them (undefined: no trace at all). */
function traceRequest(o: RunOptions): TraceRequest | undefined {
  if ((o.straceTimestamps === true || o.straceDurations === true) && o.strace === undefined) throw new UserError('--strace-timestamps and --strace-durations go with --strace');
  if (o.strace === undefined && o.syscallSummary !== true) return undefined;
  return {
    ...(o.strace === undefined ? {} : { strace: o.strace }), summary: o.syscallSummary === true,
    timestamps: o.straceTimestamps === true, durations: o.straceDurations === true,
  };
}

/** The build-only flags given for an image, which cannot take them. */
function buildOnlyFlags(options: RunOptions): string[] {
  return [
    ...(options.file === undefined ? [] : ['--file']),
    ...(options.dir === undefined ? [] : ['--dir']),
    ...(options.workdir === undefined ? [] : ['--workdir']),
    ...(options.config === undefined ? [] : ['--config']),
    ...(options.discover === false ? ['--no-discover'] : []),
    ...(options.rewrite === false ? ['--no-rewrite'] : []),
  ];
}

/** --no-allowlist, --strict and --allow for an image: kernel options (a program takes them as build flags). */
function imageAllowlist(o: RunOptions): { allowlist?: { off: boolean; strict: boolean; allow: number[] } } {
  if (o.allowlist !== false && o.strict !== true && o.allow === undefined) return {};
  const catalog = loadCatalog();
  return { allowlist: { off: o.allowlist === false, strict: o.strict === true, allow: (o.allow ?? []).map((word) => syscallNumber(word, catalog)) } };
}

async function runProgram(path: string, args: string[], options: RunOptions): Promise<number> {
  if (options.memory !== undefined) parseMemoryMiB(options.memory); // a malformed -m fails before anything is built
  const trace = traceRequest(options);
  const gdb = gdbRequest(options);
  const common = {
    accel: options.accel, verbose: options.verbose === true, missingFiles: options.missingFiles === true, net: options.net === true,
    ...(options.stopTimeout === undefined ? {} : { stopTimeoutMs: parseStopTimeout(options.stopTimeout) }),
    ...(trace === undefined ? {} : { trace }),
    stats: options.stats === true,
    ...(options.core === undefined ? {} : { core: resolve(options.core) }),
    ...(gdb === undefined ? {} : { gdb }),
  };
  const bytes = readInput(path, 'file');
  if (inspectImage(bytes) !== undefined) {
    const misplaced = buildOnlyFlags(options);
    if (misplaced.length > 0) throw new UserError(`${misplaced.join(', ')}: ${path} is an image, already built; give these when building it (ukify build)`);
    const env = checkEnvPairs(options.env ?? []);
    const ports = parsePortFlags(options.publish ?? []);
    const volumes = parseVolumeFlags(options.volume ?? [], process.cwd());
    checkHostDirs(volumes);
    return runImage({ image: path, ...common, ...imageAllowlist(options), ports, volumes, ...(options.memory === undefined ? {} : { memory: options.memory }), env, ...(args.length > 0 ? { args } : {}) });
  }
  if (!hasElfMagic(bytes) && shebang(bytes) === undefined) throw new UserError(`${path} is neither an ukify image, an ELF program nor a #! script`);
  // A program: env and args go into the bundle, exactly as given (no command-line quoting).
  const merged = packageOptions(options, args);
  const volumes = merged.volumes;
  checkHostDirs(volumes); // before the (slow) build: a missing host directory is one line at once
  // Loaded here, not at start-up: booting an image needs none of the packager.
  const { imageFor } = await import('../../packager/build.js');
  const { image, warnings } = await imageFor({ program: path, ...buildFields(merged, options) });
  printWarnings(warnings);
  const dir = mkdtempSync(join(tmpdir(), 'ukify-run-'));
  try {
    const imagePath = join(dir, `${basename(path)}.img`);
    writeFileSync(imagePath, image);
    return await runImage({ image: imagePath, ...common, ports: merged.ports, volumes, ...(merged.memory === undefined ? {} : { memory: merged.memory }), env: [] });
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
    .option('-m, --memory <size>', `guest memory (MiB, or with a K, M or G suffix; default: the image's size + ${HEADROOM_MIB}M)`)
    .addOption(new Option('--accel <accel>', 'accelerator: auto (KVM only with VT-x/AMD-V), kvm or tcg').choices(accelRequests).default('auto'))
    .option('--verbose', 'show the whole kernel log and the QEMU command on stderr (default: warnings and errors only)')
    .option('--missing-files', 'after the program exits, list the paths it looked up that were not in the image')
    .option('--stop-timeout <seconds>', `after Ctrl-C or SIGTERM, how long the guest's processes get to end after SIGTERM before the VM is powered off (default ${DEFAULT_STOP_TIMEOUT_S})`)
    .option('--strace [list]', 'print each system call as strace -f does, on stderr; LIST (comma-separated) picks syscalls by name or class (%file, %net, %process, %signal, %memory) and may name one file to write the trace to instead')
    .option('--strace-timestamps', 'with --strace: start each line with the time of day, to the microsecond (strace -tt)')
    .option('--strace-durations', 'with --strace: end each line with the time the call took (strace -T)')
    .option('--core <file>', 'when the program dies of a signal, write its core file there (gdb PROGRAM FILE opens it); a backtrace is printed either way')
    .option('--stats', 'when the VM stops, print what it did: time (the program, the kernel, idle), syscalls, page faults, peak memory, console and network bytes, processes and threads')
    .option('--gdb [port]', `wait for gdb on 127.0.0.1:PORT (default ${DEFAULT_GDB_PORT}): the VM is paused until gdb continues; attach with gdb -x SCRIPT (the path is printed), which loads the symbols of the kernel, the program, its loader and its libraries where the kernel placed them, and stops at the program's first instruction`)
    .option('--gdb-script <file>', 'with --gdb: write the gdb script to FILE (and the image\'s programs and libraries into FILE.files/) instead of a temporary folder')
    .option('--syscall-summary', "when the VM stops, print strace -c's table: calls, errors and time per syscall (with --strace=LIST: of those)");
  addVolumeFlags(command);
  addNetworkFlags(command);
  addPackageFlags(command).action(async (target: string, args: string[], options: RunOptions) => {
    process.exitCode = await runProgram(target, args, options);
  });
}
