// A program that is a script: its first line "#!INTERPRETER [ARG]" names what runs it, as the kernel
// reads it (kernel/exec.c). The image then holds the script as the program and its interpreter at
// the interpreter's own path; `#!/usr/bin/env NAME` brings env and NAME, found where env looks in
// the guest, whose environment has no PATH (glibc's default: /bin, then /usr/bin). The ELF that
// runs in the end (python3.11 for "#!/usr/bin/env python3") is the one analyzed.
import { lstatSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { posix } from 'node:path';
import type { CpioEntry } from './cpio.js';
import { cpioName } from './initrd-tree.js';
import { shebang, type Shebang } from './shebang.js';

export class ScriptError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

const ENV_SEARCH = ['/usr/bin', '/bin'];

export interface ScriptInterpreter {
  /** Host paths to put into the image at the same paths (links followed, each link kept). */
  paths: string[];
  /** The ELF file that runs the script, to analyze. */
  elf: string;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** The interpreter (and env's command) of a script, checked on the host. */
export function scriptInterpreter(script: string, line: Shebang): ScriptInterpreter {
  if (!line.interpreter.startsWith('/')) throw new ScriptError(`${script}: its #! line names '${line.interpreter}', not an absolute path`);
  if (!exists(line.interpreter)) throw new ScriptError(`${script}: its interpreter ${line.interpreter} is not on this machine`);
  const paths = [line.interpreter];
  let runs = line.interpreter;
  if (posix.basename(line.interpreter) === 'env' && line.arg !== undefined) {
    const name = line.arg.split(/\s+/)[0] as string;
    const found = name.includes('/') ? name : ENV_SEARCH.map((dir) => posix.join(dir, name)).find(exists);
    if (found === undefined) throw new ScriptError(`${script}: env runs '${name}', which is not in ${ENV_SEARCH.join(' or ')} on this machine`);
    paths.push(found);
    runs = found;
  }
  return { paths, elf: realpathSync(runs) };
}

/** Entries for a host path and, when it is a symlink, what it leads to (all at their host paths). */
export function chainEntries(path: string, depth = 0): CpioEntry[] {
  if (depth > 8) throw new ScriptError(`${path}: too many levels of symbolic links`);
  const stats = lstatSync(path);
  if (stats.isSymbolicLink()) {
    const target = readlinkSync(path);
    const entry = { name: cpioName(path), mode: 0o120777, data: new TextEncoder().encode(target) };
    return [entry, ...chainEntries(posix.resolve(posix.dirname(path), target), depth + 1)];
  }
  return [{ name: cpioName(path), mode: 0o100000 | (stats.mode & 0o7777), data: readFileSync(path), mtime: Math.floor(stats.mtimeMs / 1000) }];
}

/** The ELF file that runs when the program at path is started: itself, or a script's interpreter. */
export function programElf(path: string, bytes: Uint8Array): string {
  const line = shebang(bytes);
  return line === undefined ? path : scriptInterpreter(path, line).elf;
}
