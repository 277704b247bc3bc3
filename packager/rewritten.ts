// The image's copies of the program and its libraries, with the rewriter's patched bytes in place of
// the files' own (the host files are never touched): the same entries, some with new data. The
// rewriter reads each object from its entry, already read from the host.
import { posix } from 'node:path';
import type { Analysis } from '../analyzer/analysis.js';
import { rewriteProgram, type RewrittenProgram } from '../rewriter/rewrite-program.js';
import type { CpioEntry } from './cpio.js';

/**
 * `program`: the entry name the program's host file goes to (other objects sit at their host paths
 * in the image, as libraries.ts puts them). `read`: an object's bytes when no entry holds them.
 */
export function rewriteEntries(
  entries: readonly CpioEntry[],
  analysis: Analysis,
  program: { host: string; name: string } | undefined,
  read: (path: string) => Uint8Array,
): { entries: CpioEntry[]; outcomes: RewrittenProgram['outcomes'] } {
  const nameOf = (host: string): string => (host === program?.host ? program.name : posix.resolve('/', host).slice(1));
  const files = new Map(entries.filter((e) => (e.mode & 0o170000) === 0o100000 && e.data !== undefined).map((e) => [e.name, e.data as Uint8Array]));
  const rewritten = rewriteProgram(analysis, (host) => files.get(nameOf(host)) ?? read(host));
  const byName = new Map([...rewritten.files].map(([host, bytes]) => [nameOf(host), bytes]));
  return {
    entries: entries.map((e) => {
      const bytes = (e.mode & 0o170000) === 0o100000 ? byName.get(e.name) : undefined;
      return bytes === undefined ? e : { ...e, data: bytes };
    }),
    outcomes: rewritten.outcomes,
  };
}
