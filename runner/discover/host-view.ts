// The host side of dynamic discovery: what a path the program looked up is on this machine. The
// only file-system reads of the discovery decisions (candidates.ts takes a HostView, so its tests
// can give a made-up one).
import { accessSync, constants, type Dirent, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { refusal } from './refusals.js';

/** What a host path is; a directory's tree is measured (regular files' bytes, symlinks not followed). */
export type HostPath =
  | { kind: 'absent' }
  | { kind: 'file'; bytes: number }
  | { kind: 'dir'; tree: DirTree }
  | { kind: 'special'; what: string }
  | { kind: 'unreadable'; why: string };

export interface DirTree {
  bytes: number;
  /** Regular files, symlinks and directories below it. */
  entries: number;
  /** False when the walk stopped early (too many entries); bytes and entries are then lower bounds. */
  complete: boolean;
  /** The first path inside that discovery never adds (refusals.ts), and why. */
  refused?: { path: string; why: string };
  /** The first path inside that cannot be read. */
  unreadable?: string;
}

export interface HostView {
  /** What the path is on the host, symlinks followed. */
  look(path: string): HostPath;
  /** The host path with every symlink resolved, or undefined when it does not resolve. */
  realPath(path: string): string | undefined;
}

/** A walk stops counting after this many entries: the tree is far over any size limit by then. */
export const MAX_WALK_ENTRIES = 100_000;

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? String(error);
}

function specialKind(stats: Stats): string {
  if (stats.isSocket()) return 'a socket';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device node';
  return 'not a regular file or directory';
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function walk(dir: string, tree: DirTree): void {
  let children: Dirent[];
  try {
    children = readdirSync(dir, { withFileTypes: true });
  } catch {
    tree.unreadable ??= dir;
    return;
  }
  for (const child of children) {
    if (tree.entries >= MAX_WALK_ENTRIES) {
      tree.complete = false;
      return;
    }
    const path = join(dir, child.name);
    tree.entries++;
    const why = refusal(path);
    if (why !== undefined && tree.refused === undefined) tree.refused = { path, why };
    if (child.isDirectory()) {
      walk(path, tree);
      if (!tree.complete) return;
    } else if (child.isFile()) {
      try {
        tree.bytes += lstatSync(path).size;
      } catch {
        tree.unreadable ??= path;
      }
      if (tree.unreadable === undefined && !readable(path)) tree.unreadable = path;
    }
  }
}

/** The host's file system as discovery sees it. */
export const hostFileSystem: HostView = {
  look(path: string): HostPath {
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch (error) {
      const why = code(error);
      return why === 'ENOENT' || why === 'ENOTDIR' || why === 'ELOOP' ? { kind: 'absent' } : { kind: 'unreadable', why };
    }
    if (stats.isFile()) return readable(path) ? { kind: 'file', bytes: stats.size } : { kind: 'unreadable', why: 'permission denied' };
    if (stats.isDirectory()) {
      const tree: DirTree = { bytes: 0, entries: 0, complete: true };
      walk(path, tree);
      return { kind: 'dir', tree };
    }
    return { kind: 'special', what: specialKind(stats) };
  },
  realPath(path: string): string | undefined {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  },
};
