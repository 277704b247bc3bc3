// The options that shape an image (and a run of a program): arguments, environment, extra files and
// directories, working directory, memory. They come in layers, a config file (ukify.json) below the
// command-line flags; `mergeOptions` folds the layers into one set. Pure: no file is touched here.
import { posix, resolve } from 'node:path';
import { parseMemoryMiB } from '../runner/memory.js';
import { checkEnvPairs } from './env.js';

export class OptionsError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

/** A host file or directory put into the image at a guest path. */
export interface Placement {
  /** Absolute host path. */
  host: string;
  /** Normalized absolute guest path. */
  guest: string;
  /** Where the user asked for it, for messages: "--file a.conf:/etc/a.conf", "ukify.json files./etc/a.conf". */
  source: string;
}

/** What one layer (the config file, or the flags) says; absent fields leave lower layers alone. */
export interface OptionLayer {
  /** argv[1..]; an empty list from the flags leaves the config's arguments in place. */
  args?: readonly string[];
  /** KEY=VALUE pairs. */
  env?: readonly string[];
  files?: readonly Placement[];
  dirs?: readonly Placement[];
  workdir?: string;
  memory?: string;
}

export interface PackageOptions {
  args: string[];
  /** KEY=VALUE, one pair per key, in first-seen order. */
  env: string[];
  files: Placement[];
  dirs: Placement[];
  workdir?: string;
  memory?: string;
}

// Made by the kernel at boot (kernel/include/fs.h); files placed there would be hidden or replaced.
const KERNEL_DIRS = ['/dev', '/proc', '/sys'];
const RESERVED = '/.ukify';

/** Checks a guest path is absolute and usable; returns it normalized ("/a//b/" → "/a/b"). */
export function checkGuestPath(path: string, source: string): string {
  if (!path.startsWith('/')) throw new OptionsError(`${source}: the guest path '${path}' must be absolute (start with /)`);
  if (path.includes('\0')) throw new OptionsError(`${source}: the guest path holds a NUL byte`);
  const normal = posix.normalize(path).replace(/(.)\/$/, '$1');
  const within = (dir: string): boolean => normal === dir || normal.startsWith(`${dir}/`);
  if (within(RESERVED)) throw new OptionsError(`${source}: ${RESERVED} is reserved for ukify inside the image`);
  const kernelDir = KERNEL_DIRS.find(within);
  if (kernelDir !== undefined) throw new OptionsError(`${source}: ${kernelDir} is made by the kernel at boot; choose another guest path`);
  return normal;
}

/**
 * Parses `HOST:GUEST` (the part after the last ':' is the guest path) or a bare `HOST`, which goes
 * to the same absolute path in the guest. Relative host paths are taken from `base`.
 */
export function parsePlacement(spec: string, flag: string, base: string): Placement {
  const source = `${flag} ${spec}`;
  const colon = spec.lastIndexOf(':');
  const hostPart = colon < 0 ? spec : spec.slice(0, colon);
  if (hostPart === '') throw new OptionsError(`${source}: the host path is empty (write ${flag} HOST:GUEST)`);
  const host = resolve(base, hostPart);
  const guest = colon < 0 ? host : spec.slice(colon + 1);
  return { host, guest: checkGuestPath(guest, source), source };
}

function envKey(pair: string): string {
  return pair.slice(0, pair.indexOf('='));
}

/** Later pairs replace earlier ones with the same key, keeping the first one's place. */
export function mergeEnv(...lists: readonly (readonly string[])[]): string[] {
  const byKey = new Map<string, string>();
  for (const pair of lists.flat()) byKey.set(envKey(pair), pair);
  return [...byKey.values()];
}

/** Two placements of one layer at the same guest path are an error: the user must pick one. */
function checkUnique(placements: readonly Placement[]): void {
  const seen = new Map<string, Placement>();
  for (const p of placements) {
    const other = seen.get(p.guest);
    if (other !== undefined) throw new OptionsError(`two sources for ${p.guest}: ${other.source} and ${p.source}`);
    seen.set(p.guest, p);
  }
}

/** The flags as commander gives them. */
export interface RawFlags {
  args?: readonly string[];
  env?: readonly string[];
  file?: readonly string[];
  dir?: readonly string[];
  workdir?: string;
  memory?: string;
}

/** Checks the flags and turns them into a layer; relative host paths are taken from `cwd`. */
export function flagLayer(flags: RawFlags, cwd: string): OptionLayer {
  const workdir = flags.workdir === undefined ? undefined : checkGuestPath(flags.workdir, `--workdir ${flags.workdir}`);
  if (flags.memory !== undefined) parseMemoryMiB(flags.memory);
  return {
    ...(flags.args === undefined ? {} : { args: flags.args }),
    ...(flags.env === undefined ? {} : { env: checkEnvPairs(flags.env) }),
    ...(flags.file === undefined ? {} : { files: flags.file.map((s) => parsePlacement(s, '--file', cwd)) }),
    ...(flags.dir === undefined ? {} : { dirs: flags.dir.map((s) => parsePlacement(s, '--dir', cwd)) }),
    ...(workdir === undefined ? {} : { workdir }),
    ...(flags.memory === undefined ? {} : { memory: flags.memory }),
  };
}

/**
 * The config layer, then the flags: scalar fields and non-empty argument lists from the flags win,
 * environment pairs are merged by key (flags win), and a flag placement replaces a config placement
 * at the same guest path. Two placements at one guest path within a layer are an error. Each layer
 * is checked when it is made (flagLayer, the config reader).
 */
export function mergeOptions(config: OptionLayer, flags: OptionLayer): PackageOptions {
  const env = mergeEnv(config.env ?? [], flags.env ?? []);
  const flagPlacements = [...(flags.files ?? []), ...(flags.dirs ?? [])];
  checkUnique([...(config.files ?? []), ...(config.dirs ?? [])]);
  checkUnique(flagPlacements);
  const overridden = new Set(flagPlacements.map((p) => p.guest));
  const kept = (list: readonly Placement[] | undefined): Placement[] => (list ?? []).filter((p) => !overridden.has(p.guest));
  const args = flags.args !== undefined && flags.args.length > 0 ? flags.args : config.args ?? [];
  const workdir = flags.workdir ?? config.workdir;
  const memory = flags.memory ?? config.memory;
  return {
    args: [...args],
    env,
    files: [...kept(config.files), ...(flags.files ?? [])],
    dirs: [...kept(config.dirs), ...(flags.dirs ?? [])],
    ...(workdir === undefined ? {} : { workdir }),
    ...(memory === undefined ? {} : { memory }),
  };
}
