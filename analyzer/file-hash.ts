// A file's sha256 without reading it again when it has not changed: the hash is remembered under the
// file's identity (device, inode) with its size and its modification and change times (ns). Any write
// moves the change time, which no user can set back, so a changed file never meets its old hash. A
// file changed less than `settle` ago is not remembered: a write in the same clock tick as our read
// would leave its times as they were (git's "racy" case).
import { closeSync, fstatSync, openSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { readEntry, sha256, writeEntry } from './cache.js';

const settleNs = 2_000_000_000n;

interface Stamp {
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  sha256: string;
}

export interface HashedFile {
  sha256: string;
  /** The file's bytes when it had to be read to hash it. */
  bytes?: Uint8Array;
}

function stampOf(st: BigIntStats, hash: string): Stamp {
  return { size: st.size.toString(), mtimeNs: st.mtimeNs.toString(), ctimeNs: st.ctimeNs.toString(), sha256: hash };
}

function sameFile(a: Stamp, b: Stamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/**
 * The file's bytes, read into shared memory: a worker thread given them sees them without a copy (a
 * large program is 100 MB). Nothing writes to them.
 */
export function readBytes(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(new SharedArrayBuffer(fstatSync(fd).size));
    for (let at = 0; at < bytes.length; ) {
      const n = readSync(fd, bytes, at, bytes.length - at, at);
      // A file cut short meanwhile: what was read (its hash then says it changed).
      if (n === 0) return bytes.subarray(0, at);
      at += n;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

/** The content hash of the file at path, from the cache when its stamp is unchanged, else read and hashed (and remembered when settled: unchanged for `settle` ns). */
export function hashFile(path: string, cacheDir: string, settle = settleNs): HashedFile {
  const before = statSync(path, { bigint: true });
  const key = `${before.dev}-${before.ino}`;
  const known = readEntry<Stamp>(cacheDir, 'files', key);
  if (known !== undefined && sameFile(known, stampOf(before, known.sha256))) return { sha256: known.sha256 };
  const bytes = readBytes(path);
  const hash = sha256(bytes);
  const after = statSync(path, { bigint: true });
  const stamp = stampOf(after, hash);
  const settled = BigInt(Date.now()) * 1_000_000n - after.ctimeNs > settle;
  if (settled && sameFile(stampOf(before, hash), stamp) && before.ino === after.ino) writeEntry(cacheDir, 'files', key, stamp);
  return { sha256: hash, bytes };
}
