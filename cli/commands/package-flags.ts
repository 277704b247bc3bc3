// The flags that shape an image, shared by `ukify build`, `ukify run PROGRAM` and `ukify PROGRAM`,
// and their merge with the config file (packager/options.ts, packager/config.ts).
import type { Command } from 'commander';
import { readConfig } from '../../packager/config.js';
import type { AllowlistRequest } from '../../packager/image-allowlist.js';
import { flagLayer, mergeOptions, type PackageOptions } from '../../packager/options.js';
import { formatPortSpec, mergePorts, parsePortFlags, type PortForward } from '../../runner/ports.js';
import { mergeVolumes, parseVolumeFlags, type Volume } from '../../runner/volumes.js';

export interface PackageFlags {
  env?: string[];
  file?: string[];
  dir?: string[];
  workdir?: string;
  config?: string;
  /** false with --no-discover */
  discover?: boolean;
  /** --allow SYSCALL (repeatable) */
  allow?: string[];
  /** false with --no-allowlist */
  allowlist?: boolean;
  strict?: boolean;
  /** false with --no-rewrite */
  rewrite?: boolean;
}

/** The network flags of `ukify run` and `ukify PROGRAM`. */
export interface NetworkFlags {
  publish?: string[];
  net?: boolean;
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
    .option('-c, --config <FILE>', 'options from a JSON file (default: ./ukify.json when present); flags override it')
    .option('--no-discover', 'only the program, its libraries and what you add: no files found by static discovery')
    .option('--allow <syscall>', 'allow a syscall the analysis did not find (repeatable; a name such as pkey_alloc, or a number): for plugins loaded at run time or JIT-generated code', collect)
    .option('--no-allowlist', 'allow every syscall: the kernel refuses by default the syscalls the analysis did not find (ENOSYS)')
    .option('--strict', 'a syscall outside the allowlist kills the program with SIGSYS, as seccomp does, instead of failing with ENOSYS')
    .option('--no-rewrite', 'put the program and its libraries in the image as they are: by default their syscall sites jump to trampolines, and the identity calls (getpid, getuid...) are answered without entering the kernel');
}

/** The allowlist part of a packager BuildRequest. */
export function allowlistFields(flags: PackageFlags): { allowlist: AllowlistRequest } {
  return { allowlist: { off: flags.allowlist === false, allow: flags.allow ?? [], strict: flags.strict === true } };
}

export function addNetworkFlags(command: Command): Command {
  return command
    .option(
      '-p, --publish <HOST:GUEST>',
      'forward a host port to a guest port (repeatable): HOST:GUEST, PORT (same on both sides) or ADDR:HOST:GUEST, tcp unless /udp. ' +
        'ADDR defaults to 127.0.0.1: only this machine can connect, safer than all interfaces (0.0.0.0)',
      collect,
    )
    .option('--net', 'give the VM a network (QEMU user networking, guest 10.0.2.15) even without -p');
}

export interface VolumeFlags {
  volume?: string[];
}

/** -v for `ukify run` and for the run line `ukify <program>` prints. */
export function addVolumeFlags(command: Command): Command {
  return command.option(
    '-v, --volume <HOST_DIR:GUEST_DIR[:ro]>',
    'mount a host directory in the guest, read-write unless :ro (repeatable, as docker run -v); what the program writes there stays on the host',
    collect,
  );
}

/** The -v words of a `ukify run` command line for these volumes. */
export function volumeWords(volumes: readonly Volume[]): string[] {
  return volumes.flatMap((v) => ['-v', `${v.host}:${v.guest}${v.readOnly ? ':ro' : ''}`]);
}

/** The config file's options, then the flags (which win); `memory`, `ports` and `volumes` only matter to `ukify run`. */
export function packageOptions(
  flags: PackageFlags & NetworkFlags & VolumeFlags & { memory?: string },
  args: readonly string[],
  cwd = process.cwd(),
): PackageOptions & { ports: PortForward[]; volumes: Volume[] } {
  // The flags are checked first: a bad -p or -v is reported before anything in the config file.
  const flagPorts = parsePortFlags(flags.publish ?? []);
  const flagVolumes = parseVolumeFlags(flags.volume ?? [], cwd);
  const config = readConfig(flags.config, cwd);
  const layer = flagLayer({ ...flags, args }, cwd);
  return { ...mergeOptions(config, layer), ports: mergePorts(config.ports ?? [], flagPorts), volumes: mergeVolumes(config.volumes ?? [], flagVolumes) };
}

/** The network flags of a `ukify run` command line that does what the forwards and --net ask. */
export function networkWords(ports: readonly PortForward[], net: boolean): string[] {
  if (ports.length === 0) return net ? ['--net'] : [];
  return ports.flatMap((f) => ['-p', formatPortSpec(f)]);
}

/** The fields of a packager BuildRequest that the options and flags give. */
export function buildFields(
  options: PackageOptions,
  flags: PackageFlags = {},
): { env: string[]; args: string[]; files: PackageOptions['files']; dirs: PackageOptions['dirs']; workdir?: string; discover: boolean; allowlist: AllowlistRequest; rewrite: boolean } {
  return {
    ...allowlistFields(flags),
    rewrite: flags.rewrite !== false,
    env: options.env,
    args: options.args,
    files: options.files,
    dirs: options.dirs,
    ...(options.workdir === undefined ? {} : { workdir: options.workdir }),
    discover: flags.discover !== false,
  };
}

export function printWarnings(warnings: readonly string[]): void {
  for (const warning of warnings) process.stderr.write(`ukify: warning: ${warning}\n`);
}
