// What a dynamically linked program needs in the initrd besides itself: its PT_INTERP loader at
// the exact path the kernel opens, and every library of its DT_NEEDED closure (from the analysis)
// at the host path where the analyzer found it (the loader searches the same places in the guest). There is no
// ld.so.cache in the guest, so a library found outside the loader's default directories (through
// the cache or a RUNPATH whose $ORIGIN moves with the app) also gets a symlink, under the name its
// needer asks for, in the first default directory.
import { readFileSync } from 'node:fs';
import { basename, dirname, posix } from 'node:path';
import type { SharedLibrary } from '../analyzer/analysis.js';
import type { CpioEntry } from './cpio.js';
import { hostMtime } from './host-mtime.js';

// Searched by the loaders when nothing else names a directory (glibc as Debian builds it; musl's
// built-in path when /etc/ld-musl-x86_64.path is absent, as it is in the guest).
const glibcDirs = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib', '/usr/lib'];
const muslDirs = ['/lib', '/usr/local/lib', '/usr/lib'];

export interface GuestFile {
  /** Absolute path in the guest. */
  path: string;
  /** The host file whose bytes go there (symlinks followed), or the target of a guest symlink. */
  source?: string;
  symlinkTo?: string;
}

// A DT_NEEDED with a slash is opened relative to the working directory, which is / in the guest.
function guestPath(hostPath: string): string {
  return posix.resolve('/', hostPath);
}

export function isMuslLoader(interpreter: string): boolean {
  return basename(interpreter).startsWith('ld-musl');
}

/**
 * Where the loader, the libraries and the fallback links go (pure: no file is read). The loader is
 * the closure entry whose path is the interpreter.
 */
export function libraryLayout(interpreter: string, libraries: readonly SharedLibrary[]): GuestFile[] {
  const defaults = isMuslLoader(interpreter) ? muslDirs : glibcDirs;
  const first = defaults[0] as string;
  const files: GuestFile[] = [];
  const taken = new Set<string>();
  for (const lib of libraries) {
    const path = guestPath(lib.path);
    if (taken.has(path)) continue;
    taken.add(path);
    files.push({ path, source: lib.path });
  }
  for (const lib of libraries) {
    const path = guestPath(lib.path);
    if (lib.path === interpreter || defaults.includes(dirname(path))) continue;
    const link = posix.join(first, basename(lib.soname));
    if (taken.has(link)) continue;
    taken.add(link);
    files.push({ path: link, symlinkTo: path });
  }
  return files;
}

/** `mtimeOf` gives a host file's mtime, which its entry keeps; the links made here get the build's. */
export function guestEntries(files: readonly GuestFile[], read: (path: string) => Uint8Array, mtimeOf: (path: string) => number | undefined): CpioEntry[] {
  const encoder = new TextEncoder();
  return files.map((f) =>
    f.symlinkTo !== undefined
      ? { name: f.path.slice(1), mode: 0o120777, data: encoder.encode(f.symlinkTo) }
      : { name: f.path.slice(1), mode: 0o100755, data: read(f.source ?? f.path), mtime: mtimeOf(f.source ?? f.path) },
  );
}

/** The initrd entries for the loader and libraries the analysis found; none for a static program. */
export function libraryEntries(interpreter: string | null, libraries: readonly SharedLibrary[]): CpioEntry[] {
  if (interpreter === null) return [];
  return guestEntries(libraryLayout(interpreter, libraries), (path) => readFileSync(path), hostMtime);
}
