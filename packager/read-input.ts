// Reading an input file with a one-line reason on failure. Kept apart from build.ts so that
// `ukify run IMAGE` reads its image without loading the packager.
import { readFileSync } from 'node:fs';

export class BuildError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

export function readInput(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : String(code);
    throw new BuildError(`cannot read ${what} ${path}: ${reason}`);
  }
}
