// The shared libraries a program loads, found as the dynamic loader would, without running it:
// DT_NEEDED, DT_RPATH (when no DT_RUNPATH) and DT_RUNPATH with $ORIGIN, /etc/ld.so.cache, default dirs.
import { closeSync, existsSync, openSync, readFileSync, readSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { SharedLibrary } from './analysis.js';
import { type DynamicInfo, type ElfFile, readElf } from './elf/index.js';
import { loadLdCache } from './ldcache.js';

export class LibraryNotFoundError extends Error {
  readonly userFacing = true;
  override readonly name = 'LibraryNotFoundError';
  constructor(readonly library: string, readonly neededBy: string) {
    super(`cannot find shared library ${library} (needed by ${neededBy}); install it or add its folder to the program's RUNPATH`);
  }
}

/** Where a loader looks after RPATH/RUNPATH: glibc consults ld.so.cache then its default dirs; musl has
 * no cache and reads its dirs from /etc/ld-musl-x86_64.path (else /lib:/usr/local/lib:/usr/lib). */
export interface SearchOrder {
  cache: ReadonlyMap<string, string>;
  dirs: readonly string[];
}

const glibcDefaultDirs = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/lib', '/usr/lib'];
const muslDefaultDirs = ['/lib', '/usr/local/lib', '/usr/lib'];
const muslPathFile = '/etc/ld-musl-x86_64.path';

export function glibcSearchOrder(): SearchOrder {
  return { cache: loadLdCache(), dirs: glibcDefaultDirs };
}

/** musl's path file lists dirs separated by newlines or colons. */
export function muslSearchOrder(pathFileText: string | undefined): SearchOrder {
  const listed = pathFileText?.split(/[\n:]/).map((d) => d.trim()).filter((d) => d !== '');
  return { cache: new Map(), dirs: listed !== undefined && listed.length > 0 ? listed : muslDefaultDirs };
}

function readMuslPathFile(): string | undefined {
  return existsSync(muslPathFile) ? readFileSync(muslPathFile, 'utf8') : undefined;
}

/** What the library search reads of an object: its DT_NEEDED, DT_RPATH and DT_RUNPATH, and its PT_INTERP. */
export interface LoaderView {
  dynamic?: Pick<DynamicInfo, 'needed' | 'rpath' | 'runpath'>;
  interpreter?: string;
}

/** An object the library search walks: the parsed file, or what the cache remembers of it. */
export interface ClosureObject {
  path: string;
  elf: LoaderView;
}

export interface LoadedObject extends ClosureObject {
  elf: ElfFile;
}

/** The first 20 bytes say whether the file is an x86-64 ELF64 object (the rest is not read). */
function isX8664Elf(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const b = new Uint8Array(20);
    const n = readSync(fd, b, 0, 20, 0);
    return n === 20 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46 && b[4] === 2 && b[18] === 62;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function expandOrigin(list: string, origin: string): string[] {
  return list.split(':').filter((d) => d !== '').map((d) => d.replace(/\$\{ORIGIN\}|\$ORIGIN/g, origin));
}

/** Where the loader finds `name` for `needer`, or undefined. */
export function findLibrary(name: string, needer: ClosureObject, order: SearchOrder): string | undefined {
  if (name.includes('/')) return existsSync(name) ? name : undefined;
  const origin = dirname(realpathSync(needer.path));
  const d = needer.elf.dynamic;
  const dirs: string[] = [];
  if (d?.rpath !== undefined && d.runpath === undefined) dirs.push(...expandOrigin(d.rpath, origin));
  if (d?.runpath !== undefined) dirs.push(...expandOrigin(d.runpath, origin));
  for (const dir of dirs) {
    const p = join(dir, name);
    if (isX8664Elf(p)) return p;
  }
  const cached = order.cache.get(name);
  if (cached !== undefined && isX8664Elf(cached)) return cached;
  for (const dir of order.dirs) {
    const p = join(dir, name);
    if (isX8664Elf(p)) return p;
  }
  return undefined;
}

export function readObject(path: string): LoadedObject {
  return { path, elf: readElf(new Uint8Array(readFileSync(path)), path) };
}

/**
 * The program's libraries in load order (breadth-first over DT_NEEDED), the PT_INTERP loader last.
 * Each library appears once (by real path). A library that cannot be found is a LibraryNotFoundError.
 */
export function libraryClosure(program: LoadedObject, read: (path: string) => LoadedObject = readObject): { libraries: SharedLibrary[]; objects: LoadedObject[] } {
  return closureOf(program, read);
}

/** libraryClosure over any view of the objects (the analyzer's cache gives it without parsing the files). */
export function closureOf<T extends ClosureObject>(program: T, read: (path: string) => T): { libraries: SharedLibrary[]; objects: T[] } {
  const byReal = new Map<string, SharedLibrary>();
  const objects: T[] = [];
  const interp = program.elf.interpreter;
  const interpReal = interp !== undefined && existsSync(interp) ? realpathSync(interp) : undefined;
  const musl = interp !== undefined && basename(interp).startsWith('ld-musl');
  const order = musl ? muslSearchOrder(readMuslPathFile()) : glibcSearchOrder();
  const queue: T[] = [program];
  const libraries: SharedLibrary[] = [];
  while (queue.length > 0) {
    const obj = queue.shift() as T;
    for (const name of obj.elf.dynamic?.needed ?? []) {
      // musl's loader is its libc: a program's "libc.so" is the interpreter itself.
      const path = musl && name === 'libc.so' ? interp : findLibrary(name, obj, order);
      if (path === undefined) throw new LibraryNotFoundError(name, obj.path);
      const real = realpathSync(path);
      const known = byReal.get(real);
      if (known !== undefined) {
        if (!known.neededBy.includes(obj.path)) known.neededBy.push(obj.path);
        continue;
      }
      const lib: SharedLibrary = { soname: name, path, neededBy: [obj.path] };
      byReal.set(real, lib);
      if (real === interpReal) continue; // the loader is added last, once
      libraries.push(lib);
      const loaded = read(path);
      objects.push(loaded);
      queue.push(loaded);
    }
  }
  if (interp !== undefined) {
    if (interpReal === undefined) throw new LibraryNotFoundError(interp, program.path);
    const lib = byReal.get(interpReal) ?? { soname: interp, path: interp, neededBy: [program.path] };
    lib.soname = interp;
    lib.path = interp;
    if (!lib.neededBy.includes(program.path)) lib.neededBy.unshift(program.path);
    libraries.push(lib);
    objects.push(read(interp));
  }
  return { libraries, objects };
}

/** The libraries (and the interpreter) a program needs, for the packager. */
export function resolveLibraryClosure(path: string): SharedLibrary[] {
  const abs = isAbsolute(path) ? path : join(process.cwd(), path);
  return libraryClosure(readObject(abs)).libraries;
}
