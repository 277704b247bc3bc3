// The shared libraries of the ELF files a user adds with --file/--dir (Python extension modules,
// nginx dynamic modules): each one's DT_NEEDED closure is resolved on the host like the program's,
// and the libraries the image does not hold yet are placed where the program's loader looks
// (libraries.ts decides the guest paths). Problems here are warnings, not errors: the program may
// never load that module, and when it does, the guest's loader names what is missing.
import { realpathSync } from 'node:fs';
import type { SharedLibrary } from '../analyzer/analysis.js';
import { readElf } from '../analyzer/elf/index.js';
import { libraryClosure, LibraryNotFoundError, type LoadedObject, readObject } from '../analyzer/libraries.js';
import type { CpioEntry } from './cpio.js';
import type { HostEntry } from './extra-files.js';
import { hostMtime } from './host-mtime.js';
import { hasElfMagic } from './inspect.js';
import { guestEntries, libraryLayout } from './libraries.js';

const ELFCLASS64 = 2;
const EM_X86_64 = 62;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;

export interface ExtraLibraries {
  entries: CpioEntry[];
  warnings: string[];
}

function isX8664(bytes: Uint8Array): boolean {
  return bytes.length >= 20 && bytes[4] === ELFCLASS64 && (bytes[18] ?? 0) + ((bytes[19] ?? 0) << 8) === EM_X86_64;
}

function realOrSame(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Entries for the libraries the added ELF files need. `interpreter` is the program's loader (it
 * loads the modules, so its default directories apply); `present` tells which cpio names the image
 * already holds.
 */
export function extraLibraries(files: readonly HostEntry[], interpreter: string | undefined, present: (name: string) => boolean): ExtraLibraries {
  const warnings: string[] = [];
  const objects = new Map<string, LoadedObject>();
  const read = (path: string): LoadedObject => {
    const known = objects.get(path);
    if (known !== undefined) return known;
    const loaded = readObject(path);
    objects.set(path, loaded);
    return loaded;
  };
  const regular = files.filter((f) => (f.entry.mode & S_IFMT) === S_IFREG);
  const added = new Set(regular.map((f) => realOrSame(f.host)));
  const needed = new Map<string, SharedLibrary>();
  for (const file of regular) {
    const bytes = file.entry.data ?? new Uint8Array(0);
    if (!hasElfMagic(bytes)) continue;
    if (!isX8664(bytes)) {
      warnings.push(`${file.host} is an ELF file for another machine or class; its libraries are not added`);
      continue;
    }
    let closure: SharedLibrary[];
    try {
      const elf = readElf(bytes, file.host);
      if ((elf.dynamic?.needed.length ?? 0) === 0 && elf.interpreter === undefined) continue;
      closure = libraryClosure({ path: file.host, elf }, read).libraries;
    } catch (error) {
      if (!(error instanceof Error) || (error as { userFacing?: boolean }).userFacing !== true) throw error;
      const detail = error instanceof LibraryNotFoundError ? error.message : `unreadable ELF (${error.message})`;
      warnings.push(`${file.host}: ${detail}; it will not load in the guest`);
      continue;
    }
    for (const lib of closure) {
      if (!added.has(realOrSame(lib.path)) && !needed.has(lib.path)) needed.set(lib.path, lib);
    }
  }
  const layout = libraryLayout(interpreter ?? '', [...needed.values()]).filter((f) => !present(f.path.slice(1)));
  return { entries: guestEntries(layout, (path) => read(path).elf.bytes, hostMtime), warnings };
}
