// The shared libraries that come into the image with the ELF files discovery adds (a Python
// extension module, a perl XS module, a helper program). The packager adds them at every build
// (packager/extra-libraries.ts); this finds them again only to tell the user which and why. A file
// whose libraries cannot be resolved is skipped here: the build warns about it.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { libraryClosure, readObject } from '../../analyzer/libraries.js';
import type { Addition } from './candidates.js';
import type { AddedLibrary } from './report.js';

const MAX_SCANNED = 20_000;

function hasElfMagic(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The regular files under a directory (symlinks not followed), at most MAX_SCANNED. */
function filesUnder(dir: string, out: string[]): void {
  let children;
  try {
    children = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const child of children) {
    if (out.length >= MAX_SCANNED) return;
    const path = join(dir, child.name);
    if (child.isDirectory()) filesUnder(path, out);
    else if (child.isFile()) out.push(path);
  }
}

function librariesOf(path: string): string[] {
  try {
    return libraryClosure(readObject(path)).libraries.map((l) => l.path);
  } catch {
    return [];
  }
}

/**
 * The libraries the added ELF files bring that the image does not hold yet; `held` tells whether a
 * host path is already there (the program's own libraries, earlier additions) and is updated.
 */
export function librariesOfAdditions(additions: readonly Addition[], held: (path: string) => boolean, remember: (path: string) => void): AddedLibrary[] {
  const found: AddedLibrary[] = [];
  for (const addition of additions) {
    const files: string[] = [];
    if (addition.action === 'file') files.push(addition.host);
    else filesUnder(addition.host, files);
    for (const file of files.filter(hasElfMagic)) {
      for (const library of librariesOf(file)) {
        if (held(library)) continue;
        remember(library);
        found.push({ path: library, neededBy: file, round: addition.round });
      }
    }
  }
  return found;
}
