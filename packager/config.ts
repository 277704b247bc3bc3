// ukify.json: the build options of a program kept in a file (the current directory's ukify.json, or
// the one named by -c). Every field is optional; command-line flags override them (options.ts).
//
//   {
//     "args": ["-c", "print(1)"],                 argv[1..] in the guest
//     "env": {"KEY": "VALUE"} or ["KEY=VALUE"],
//     "files": {"/guest/path": "host/path"},       host paths relative to the config file's folder
//     "dirs": {"/guest/dir": "host/dir"},
//     "workdir": "/guest/dir",                     the program's working directory
//     "memory": "256M",                            guest memory for `ukify run PROGRAM`
//     "ports": ["8080:80", "5353:53/udp"],         host ports forwarded to the guest (ukify run -p)
//     "volumes": ["data:/data", "conf:/etc/app:ro"] host directories mounted in the guest (ukify run -v)
//   }
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MemorySizeError, parseMemoryMiB } from '../runner/memory.js';
import { checkUniquePorts, parsePortSpec, type PortForward } from '../runner/ports.js';
import { checkVolumeLayout, parseVolumeSpec, type Volume } from '../runner/volumes.js';
import { checkGuestPath, OptionsError, type OptionLayer, type Placement } from './options.js';

export const CONFIG_NAME = 'ukify.json';
const FIELDS = ['args', 'env', 'files', 'dirs', 'workdir', 'memory', 'ports', 'volumes'];

/** A config file's options: the image's (options.ts), the port forwards and volumes of `ukify run`. */
export interface ConfigLayer extends OptionLayer {
  ports?: PortForward[];
  volumes?: Volume[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(file: string, field: string, message: string): never {
  throw new OptionsError(`${file}: ${field}: ${message}`);
}

function stringList(value: unknown, file: string, field: string): string[] {
  if (!Array.isArray(value)) fail(file, field, 'must be a list of strings');
  return value.map((item, i) => {
    if (typeof item !== 'string') fail(file, `${field}[${i}]`, 'must be a string');
    if (item.includes('\0')) fail(file, `${field}[${i}]`, 'holds a NUL byte');
    return item;
  });
}

function envPairs(value: unknown, file: string): string[] {
  if (Array.isArray(value)) {
    return stringList(value, file, 'env').map((pair, i) => {
      if (pair.indexOf('=') <= 0) fail(file, `env[${i}]`, `'${pair}' is not KEY=VALUE`);
      return pair;
    });
  }
  if (!isRecord(value)) fail(file, 'env', 'must be an object {"KEY": "VALUE"} or a list of "KEY=VALUE" strings');
  return Object.entries(value).map(([key, v]) => {
    if (key === '' || key.includes('=') || key.includes('\0')) fail(file, `env.${key}`, 'a key must be non-empty, without = or NUL');
    if (typeof v !== 'string') fail(file, `env.${key}`, 'must be a string');
    if (v.includes('\0')) fail(file, `env.${key}`, 'holds a NUL byte');
    return `${key}=${v}`;
  });
}

function placements(value: unknown, file: string, field: string, base: string): Placement[] {
  if (!isRecord(value)) fail(file, field, `must be an object {"/guest/path": "host/path"}`);
  return Object.entries(value).map(([guest, host]) => {
    const source = `${file}: ${field}.${guest}`;
    if (typeof host !== 'string' || host === '') fail(file, `${field}.${guest}`, 'the host path must be a non-empty string');
    return { host: resolve(base, host), guest: checkGuestPath(guest, source), source };
  });
}

/** Each spec as `-p` takes it; two forwards of one host port are an error here too. */
function portForwards(value: unknown, file: string): PortForward[] {
  const forwards = stringList(value, file, 'ports').map((spec, i) => parsePortSpec(spec, `${file}: ports[${i}] ${spec}`));
  checkUniquePorts(forwards);
  return forwards;
}

/** Each spec as `-v` takes it, host paths relative to the file's folder. */
function volumes(value: unknown, file: string, base: string): Volume[] {
  const list = stringList(value, file, 'volumes').map((spec, i) => parseVolumeSpec(spec, base, `${file}: volumes[${i}] ${spec}`));
  checkVolumeLayout(list);
  return list;
}

/** Parses a config file's text; `file` names it in errors, relative host paths start at `base`. */
export function parseConfig(text: string, file: string, base: string): ConfigLayer {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new OptionsError(`${file}: not valid JSON (${(error as Error).message})`);
  }
  if (!isRecord(data)) throw new OptionsError(`${file}: must hold a JSON object, e.g. {"args": ["--help"]}`);
  const unknown = Object.keys(data).find((k) => !FIELDS.includes(k));
  if (unknown !== undefined) fail(file, unknown, `unknown field (known fields: ${FIELDS.join(', ')})`);

  const layer: ConfigLayer = {};
  if (data['args'] !== undefined) layer.args = stringList(data['args'], file, 'args');
  if (data['env'] !== undefined) layer.env = envPairs(data['env'], file);
  if (data['files'] !== undefined) layer.files = placements(data['files'], file, 'files', base);
  if (data['dirs'] !== undefined) layer.dirs = placements(data['dirs'], file, 'dirs', base);
  const workdir = data['workdir'];
  if (workdir !== undefined) {
    if (typeof workdir !== 'string') fail(file, 'workdir', 'must be a string');
    layer.workdir = checkGuestPath(workdir, `${file}: workdir`);
  }
  const memory = data['memory'];
  if (memory !== undefined) {
    // a bare number would be read as MiB by -m but is a count of bytes in many other configs: refused
    if (typeof memory === 'number') fail(file, 'memory', `must be a string with its unit, such as "${memory}M" for ${memory} MiB`);
    if (typeof memory !== 'string') fail(file, 'memory', 'must be a size such as "256M"');
    try {
      parseMemoryMiB(String(memory));
    } catch (error) {
      if (error instanceof MemorySizeError) fail(file, 'memory', `'${memory}' is not a size such as "256M"`);
      throw error;
    }
    layer.memory = String(memory);
  }
  if (data['ports'] !== undefined) layer.ports = portForwards(data['ports'], file);
  if (data['volumes'] !== undefined) layer.volumes = volumes(data['volumes'], file, base);
  return layer;
}

/**
 * The config layer: the file named by -c (which must exist), else ./ukify.json when there is one,
 * else nothing.
 */
export function readConfig(explicit: string | undefined, cwd: string): ConfigLayer {
  const path = explicit === undefined ? join(cwd, CONFIG_NAME) : resolve(cwd, explicit);
  if (explicit === undefined && !existsSync(path)) return {};
  const shown = explicit ?? CONFIG_NAME;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new OptionsError(`cannot read the config file ${shown}: ${reason}`);
  }
  return parseConfig(text, shown, dirname(path));
}
