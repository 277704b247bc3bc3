// A file's sha256 without reading it again when it has not changed: the hash is remembered under the
// file's identity (device, inode) with its size and its modification and change times (ns). Any write
// moves the change time, which no user can set back, so a changed file never meets its old hash. A
// file changed less than `settle` ago is not remembered: a write in the same clock tick as our read
// would leave its times as they were (git's "racy" case).
import { closeSync, fstatSync, openSync, readSync, statSync, type BigIntStats } from 'node:fs';
import { Worker } from 'node:worker_threads';
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
  const stamp = stampNow(path, cacheDir);
  if (stamp.known !== undefined) return { sha256: stamp.known };
  const bytes = readBytes(path);
  const hash = sha256(bytes);
  remember(path, cacheDir, stamp.before, hash, settle);
  return { sha256: hash, bytes };
}

/**
 * As hashFile, for a large file: when it must be read, it is hashed on another thread while
 * `meanwhile` works on the same bytes on this one (a large program's parse takes about as long).
 */
export async function hashFileBeside<T>(path: string, cacheDir: string, meanwhile: (bytes: Uint8Array) => T, settle = settleNs): Promise<HashedFile & { beside?: T }> {
  const stamp = stampNow(path, cacheDir);
  if (stamp.known !== undefined) return { sha256: stamp.known };
  const bytes = readBytes(path);
  const hashing = sha256OnThread(bytes);
  let beside: T;
  try {
    beside = meanwhile(bytes);
  } finally {
    // Even when meanwhile failed: the hashing thread ends once it has answered.
    await hashing.catch(() => undefined);
  }
  const hash = await hashing;
  remember(path, cacheDir, stamp.before, hash, settle);
  return { sha256: hash, bytes, beside };
}

/** The file's stat now, and its hash when the cache remembers it under an unchanged stamp. */
function stampNow(path: string, cacheDir: string): { before: BigIntStats; known?: string } {
  const before = statSync(path, { bigint: true });
  const known = readEntry<Stamp>(cacheDir, 'files', identity(before));
  return known !== undefined && sameFile(known, stampOf(before, known.sha256)) ? { before, known: known.sha256 } : { before };
}

function identity(st: BigIntStats): string {
  return `${st.dev}-${st.ino}`;
}

/** Remembers the hash of the file read when it did not change meanwhile and has settled. */
function remember(path: string, cacheDir: string, before: BigIntStats, hash: string, settle: bigint): void {
  const after = statSync(path, { bigint: true });
  const stamp = stampOf(after, hash);
  const settled = BigInt(Date.now()) * 1_000_000n - after.ctimeNs > settle;
  if (settled && sameFile(stampOf(before, hash), stamp) && before.ino === after.ino) writeEntry(cacheDir, 'files', identity(before), stamp);
}

/** The bytes' sha256, computed on a thread of its own (the bytes are shared memory: nothing is copied). */
function sha256OnThread(bytes: Uint8Array): Promise<string> {
  const hasher = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const { createHash } = require('node:crypto');
     parentPort.once('message', (b) => parentPort.postMessage(createHash('sha256').update(b).digest('hex')));`,
    { eval: true },
  );
  return new Promise<string>((resolve, reject) => {
    hasher.once('message', resolve);
    hasher.once('error', reject);
    hasher.postMessage(bytes);
  }).finally(() => void hasher.terminate());
}
