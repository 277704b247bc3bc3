// A writer for the cpio "newc" format (the one the Linux initramfs uses): each entry is a 110-byte
// ASCII header of hexadecimal fields, the NUL-terminated name padded to 4 bytes, then the data
// padded to 4 bytes; the archive ends with the entry "TRAILER!!!".

export interface CpioEntry {
  /** Path inside the archive, without a leading slash ("hello", ".ukify/symbols"). */
  name: string;
  /** File type and permission bits as in st_mode, e.g. 0o100755 for an executable file, 0o040755 for a directory. */
  mode: number;
  data?: Uint8Array;
  /** Modification time, seconds since the epoch; without it the archive's default. */
  mtime?: number;
}

const MAGIC = '070701';
const encoder = new TextEncoder();

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function pad4(length: number): number {
  return (4 - (length % 4)) % 4;
}

function entryBytes(entry: CpioEntry, ino: number, defaultMtime: number): Uint8Array[] {
  const name = encoder.encode(`${entry.name}\0`);
  const data = entry.data ?? new Uint8Array(0);
  const isDir = (entry.mode & 0o170000) === 0o040000;
  const fields = [
    ino, entry.mode, 0 /* uid */, 0 /* gid */, isDir ? 2 : 1 /* nlink */, entry.mtime ?? defaultMtime,
    data.length, 0, 0 /* dev major, minor */, 0, 0 /* rdev major, minor */, name.length, 0 /* check */,
  ];
  const header = encoder.encode(MAGIC + fields.map(hex8).join(''));
  return [header, name, new Uint8Array(pad4(header.length + name.length)), data, new Uint8Array(pad4(data.length))];
}

/** The archive; entries without an mtime get defaultMtime (seconds since the epoch). */
export function cpioArchive(entries: readonly CpioEntry[], defaultMtime = 0): Uint8Array {
  const parts = entries.flatMap((e, i) => entryBytes(e, i + 1, defaultMtime));
  parts.push(...entryBytes({ name: 'TRAILER!!!', mode: 0 }, 0, 0));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The directory entries a set of file paths needs, parents first ("a/b/c" → "a", "a/b"). */
export function parentDirectories(paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return [...dirs].sort();
}
