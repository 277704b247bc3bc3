// What discovery asks of the host's file system, behind an interface so that the rules stay pure
// and their tests can hand them a made-up tree. `hostFs` is the real one (the only I/O here).
import { lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

export type HostKind = 'file' | 'dir' | 'symlink' | 'other';

export interface HostStat {
  kind: HostKind;
  /** Bytes, for a file. */
  size: number;
}

export interface HostFs {
  /** The path itself (a symlink is not followed); undefined when it does not exist or cannot be read. */
  lstat(path: string): HostStat | undefined;
  readlink(path: string): string | undefined;
  /** The bytes of the files below dir, symlinks not followed; once past `limit`, some value above it. */
  treeSize(dir: string, limit: number): number;
  /** The first maxBytes of a file, as latin1 text; undefined when unreadable. */
  readText(path: string, maxBytes: number): string | undefined;
  /** The names in a directory, sorted; empty when unreadable. */
  list(dir: string): string[];
  realpath(path: string): string | undefined;
}

function attempt<T>(call: () => T): T | undefined {
  try {
    return call();
  } catch {
    return undefined;
  }
}

function treeSize(dir: string, limit: number): number {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= limit) {
    const current = pending.pop() as string;
    for (const entry of attempt(() => readdirSync(current, { withFileTypes: true })) ?? []) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) pending.push(path);
      else if (entry.isFile()) total += attempt(() => lstatSync(path).size) ?? 0;
    }
  }
  return total;
}

export const hostFs: HostFs = {
  lstat(path) {
    const stats = attempt(() => lstatSync(path));
    if (stats === undefined) return undefined;
    const kind: HostKind = stats.isSymbolicLink() ? 'symlink' : stats.isDirectory() ? 'dir' : stats.isFile() ? 'file' : 'other';
    return { kind, size: kind === 'file' ? stats.size : 0 };
  },
  readlink: (path) => attempt(() => readlinkSync(path)),
  treeSize,
  readText(path, maxBytes) {
    const bytes = attempt(() => readFileSync(path));
    return bytes === undefined ? undefined : bytes.subarray(0, maxBytes).toString('latin1');
  },
  list: (dir) => (attempt(() => readdirSync(dir)) ?? []).sort(),
  realpath: (path) => attempt(() => realpathSync(path)),
};
