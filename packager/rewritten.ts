// The image's copies of the program and its libraries, with the rewriter's patched bytes in place of
// the files' own (the host files are never touched): the same entries, some with new data.
import { posix } from 'node:path';
import type { CpioEntry } from './cpio.js';

/**
 * `files`: new bytes by host path. `program`: the entry name the program's host file goes to (other
 * objects sit at their host paths in the image, as libraries.ts puts them).
 */
export function withRewrittenObjects(entries: readonly CpioEntry[], files: ReadonlyMap<string, Uint8Array>, program?: { host: string; name: string }): CpioEntry[] {
  const byName = new Map<string, Uint8Array>();
  for (const [host, bytes] of files) byName.set(host === program?.host ? program.name : posix.resolve('/', host).slice(1), bytes);
  return entries.map((e) => {
    const bytes = (e.mode & 0o170000) === 0o100000 ? byName.get(e.name) : undefined;
    return bytes === undefined ? e : { ...e, data: bytes };
  });
}
