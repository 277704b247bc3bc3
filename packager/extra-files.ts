// --file and --dir: host files and directory trees read into initrd entries. Regular files keep
// their permission bits and modification time (Python compares a module's mtime with its cached
// bytecode's), directories are walked recursively, symlinks stay symlinks (their target unchanged).
// Sockets, FIFOs and device nodes are skipped with a warning: the kernel makes its own /dev.
import { type Dirent, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, type Stats } from 'node:fs';
import { join, posix } from 'node:path';
import type { CpioEntry } from './cpio.js';
import { cpioName } from './initrd-tree.js';
import { OptionsError, type Placement } from './options.js';

/** One entry read from the host, and where it came from. */
export interface HostEntry {
  entry: CpioEntry;
  /** The host path it was read from. */
  host: string;
  /** The placement (flag or config field) that brought it. */
  source: string;
}

export interface CollectedFiles {
  entries: HostEntry[];
  warnings: string[];
  /** What `exclude` kept out of a directory, with why. */
  excluded: { path: string; why: string }[];
}

/** Why a host file or directory met in a walk stays out (undefined: it goes in). */
export type Exclude = (host: string, entry: CpioEntry) => string | undefined;

const PERMISSIONS = 0o7777;

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOTDIR') return 'a part of the path is not a directory';
  if (code === 'ELOOP') return 'too many levels of symbolic links';
  return String(code ?? error);
}

function hostCall<T>(source: string, path: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw new OptionsError(`${source}: cannot read ${path}: ${reason(error)}`);
  }
}

function mtime(stats: Stats): number {
  return Math.max(0, Math.floor(stats.mtimeMs / 1000));
}

function regularFile(name: string, host: string, stats: Stats, source: string): CpioEntry {
  const data = hostCall(source, host, () => readFileSync(host));
  return { name, mode: 0o100000 | (stats.mode & PERMISSIONS), data, mtime: mtime(stats) };
}

function fileEntry(p: Placement): HostEntry {
  const stats = hostCall(p.source, p.host, () => statSync(p.host));
  if (stats.isDirectory()) throw new OptionsError(`${p.source}: ${p.host} is a directory (use --dir for directories)`);
  if (!stats.isFile()) throw new OptionsError(`${p.source}: ${p.host} is not a regular file`);
  return { entry: regularFile(cpioName(p.guest), p.host, stats, p.source), host: p.host, source: p.source };
}

function walk(host: string, guest: string, p: Placement, out: CollectedFiles, exclude?: Exclude): void {
  const children = hostCall(p.source, host, () => readdirSync(host, { withFileTypes: true })) as Dirent[];
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    const childHost = join(host, child.name);
    const childGuest = posix.join(guest, child.name);
    const stats = hostCall(p.source, childHost, () => lstatSync(childHost));
    const name = cpioName(childGuest);
    if (stats.isSymbolicLink()) {
      const target = hostCall(p.source, childHost, () => readlinkSync(childHost, { encoding: 'buffer' }));
      out.entries.push({ entry: { name, mode: 0o120777, data: target, mtime: mtime(stats) }, host: childHost, source: p.source });
    } else if (stats.isDirectory()) {
      const entry = { name, mode: 0o040000 | (stats.mode & PERMISSIONS), mtime: mtime(stats) };
      if (keep(childHost, entry, out, exclude)) {
        out.entries.push({ entry, host: childHost, source: p.source });
        walk(childHost, childGuest, p, out, exclude);
      }
    } else if (stats.isFile()) {
      const entry = regularFile(name, childHost, stats, p.source);
      if (keep(childHost, entry, out, exclude)) out.entries.push({ entry, host: childHost, source: p.source });
    } else {
      out.warnings.push(`${p.source}: skipped ${childHost} (not a regular file, directory or symlink)`);
    }
  }
}

function keep(host: string, entry: CpioEntry, out: CollectedFiles, exclude?: Exclude): boolean {
  const why = exclude?.(host, entry);
  if (why !== undefined) out.excluded.push({ path: host, why });
  return why === undefined;
}

function dirEntries(p: Placement, out: CollectedFiles, exclude?: Exclude): void {
  // The top folder may be reached through a symlink (Debian's /lib → usr/lib); what it holds is kept as is.
  const stats = hostCall(p.source, p.host, () => statSync(p.host));
  if (!stats.isDirectory()) throw new OptionsError(`${p.source}: ${p.host} is not a directory (use --file for files)`);
  if (p.guest !== '/') {
    out.entries.push({ entry: { name: cpioName(p.guest), mode: 0o040000 | (stats.mode & PERMISSIONS), mtime: mtime(stats) }, host: p.host, source: p.source });
  }
  walk(p.host, p.guest, p, out, exclude);
}

/**
 * Reads every --file and --dir from the host (what `exclude` names stays out of the directories).
 * A missing or unreadable host path is an OptionsError.
 */
export function collectFiles(files: readonly Placement[], dirs: readonly Placement[], exclude?: Exclude): CollectedFiles {
  const out: CollectedFiles = { entries: [], warnings: [], excluded: [] };
  for (const p of files) out.entries.push(fileEntry(p));
  for (const p of dirs) dirEntries(p, out, exclude);
  return out;
}
