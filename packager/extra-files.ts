// --file and --dir: host files and directory trees read into initrd entries. Regular files keep
// their permission bits and modification time (Python compares a module's mtime with its cached
// bytecode's), directories are walked recursively, symlinks stay symlinks (their target unchanged).
// Sockets, FIFOs and device nodes are skipped with a warning: the kernel makes its own /dev.
// Sizes are checked from stat before any file is read (a sparse file's size is known at once):
// a file larger than the guest's file system holds, or files adding up to more than an image
// holds, is one error naming the file and the limit.
import { closeSync, type Dirent, lstatSync, openSync, readdirSync, readFileSync, readSync, readlinkSync, statSync, type Stats } from 'node:fs';
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
const GiB = 1024 ** 3;
/** The largest file the guest's file system holds (kernel/fs/regfile.c: 512 × 512 pages of 4 KiB). */
export const MAX_FILE_BYTES = GiB;
/** What the added files may come to in all: the image is written and loaded as one piece of memory. */
export const MAX_TOTAL_BYTES = GiB;

/** A size as the error lines give it: "1.9 GiB", "1 GiB", "600 MiB", "12 bytes". */
export function sizeText(bytes: number): string {
  const fixed = (n: number): string => n.toFixed(1).replace(/\.0$/, '');
  if (bytes >= GiB) return `${fixed(bytes / GiB)} GiB`;
  if (bytes >= 1024 * 1024) return `${fixed(bytes / 1024 / 1024)} MiB`;
  return `${bytes} bytes`;
}

/** Why files of these sizes cannot go into an image (undefined: they can); pure. */
export function sizeProblem(files: readonly { host: string; size: number; source: string }[]): string | undefined {
  const big = files.find((f) => f.size > MAX_FILE_BYTES);
  if (big !== undefined) {
    return `${big.source}: ${big.host} is ${sizeText(big.size)}, more than the ${sizeText(MAX_FILE_BYTES)} a file in the image may have`;
  }
  const total = files.reduce((n, f) => n + f.size, 0);
  if (total > MAX_TOTAL_BYTES) {
    const largest = files.reduce((a, b) => (b.size > a.size ? b : a));
    return `the added files come to ${sizeText(total)}, more than the ${sizeText(MAX_TOTAL_BYTES)} an image may hold (the largest: ${largest.host}, ${sizeText(largest.size)})`;
  }
  return undefined;
}

/** A regular file met in the walk, read once every size is known to fit. */
interface PendingRead {
  entry: CpioEntry;
  host: string;
  size: number;
  source: string;
}

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

/** The entry of a regular file, its data read later (readAll). */
function regularFile(name: string, host: string, stats: Stats, source: string, reads: PendingRead[]): CpioEntry {
  const entry: CpioEntry = { name, mode: 0o100000 | (stats.mode & PERMISSIONS), mtime: mtime(stats) };
  reads.push({ entry, host, size: stats.size, source });
  return entry;
}

const HEAD_BYTES = 4096;

function readHead(host: string): Uint8Array {
  const fd = openSync(host, 'r');
  try {
    const buf = new Uint8Array(HEAD_BYTES);
    return buf.subarray(0, readSync(fd, buf, 0, HEAD_BYTES, 0));
  } finally {
    closeSync(fd);
  }
}

function readAll(reads: readonly PendingRead[]): void {
  const problem = sizeProblem(reads);
  if (problem !== undefined) throw new OptionsError(problem);
  for (const r of reads) r.entry.data = hostCall(r.source, r.host, () => readFileSync(r.host));
}

function fileEntry(p: Placement, reads: PendingRead[]): HostEntry {
  const stats = hostCall(p.source, p.host, () => statSync(p.host));
  if (stats.isDirectory()) throw new OptionsError(`${p.source}: ${p.host} is a directory (use --dir for directories)`);
  if (!stats.isFile()) throw new OptionsError(`${p.source}: ${p.host} is not a regular file`);
  return { entry: regularFile(cpioName(p.guest), p.host, stats, p.source, reads), host: p.host, source: p.source };
}

function walk(host: string, guest: string, p: Placement, out: CollectedFiles, reads: PendingRead[], exclude?: Exclude): void {
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
        walk(childHost, childGuest, p, out, reads, exclude);
      }
    } else if (stats.isFile()) {
      // exclude sees the file's first 4 KiB (all of it is read once every size is known to fit)
      const head = exclude === undefined ? undefined : hostCall(p.source, childHost, () => readHead(childHost));
      const entry: CpioEntry = { name, mode: 0o100000 | (stats.mode & PERMISSIONS), mtime: mtime(stats), ...(head === undefined ? {} : { data: head }) };
      if (keep(childHost, entry, out, exclude)) {
        reads.push({ entry, host: childHost, size: stats.size, source: p.source });
        out.entries.push({ entry, host: childHost, source: p.source });
      }
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

function dirEntries(p: Placement, out: CollectedFiles, reads: PendingRead[], exclude?: Exclude): void {
  // The top folder may be reached through a symlink (Debian's /lib → usr/lib); what it holds is kept as is.
  const stats = hostCall(p.source, p.host, () => statSync(p.host));
  if (!stats.isDirectory()) throw new OptionsError(`${p.source}: ${p.host} is not a directory (use --file for files)`);
  if (p.guest !== '/') {
    out.entries.push({ entry: { name: cpioName(p.guest), mode: 0o040000 | (stats.mode & PERMISSIONS), mtime: mtime(stats) }, host: p.host, source: p.source });
  }
  walk(p.host, p.guest, p, out, reads, exclude);
}

/**
 * Reads every --file and --dir from the host (what `exclude` names stays out of the directories).
 * A missing or unreadable host path, a file too large for the image or files too large together
 * (checked before any is read) are an OptionsError.
 */
export function collectFiles(files: readonly Placement[], dirs: readonly Placement[], exclude?: Exclude): CollectedFiles {
  const out: CollectedFiles = { entries: [], warnings: [], excluded: [] };
  const reads: PendingRead[] = [];
  for (const p of files) out.entries.push(fileEntry(p, reads));
  for (const p of dirs) dirEntries(p, out, reads, exclude);
  readAll(reads);
  return out;
}
