// --missing-files: with the kernel option trace_missing, the kernel logs every path a lookup did not
// find (open, stat, access, exec, ...) as `ukify: missing-file PATH` (kernel/IMAGE.md). The runner
// keeps those lines off the terminal and, after the app's output, prints each path once, sorted.
// A path under a volume is the host directory's business, not the image's: it is left out.
import { posix } from 'node:path';
import { underVolume } from './volumes.js';

const PREFIX = 'ukify: missing-file ';

/** The path a kernel log line reports missing, normalized ("/a/./b/../c" → "/a/c"), or undefined. */
export function missingFilePath(line: string): string | undefined {
  const text = line.replace(/\r$/, '');
  if (!text.startsWith(PREFIX)) return undefined;
  const path = text.slice(PREFIX.length);
  return path === '' ? undefined : posix.normalize(path);
}

export class MissingFiles {
  private readonly paths = new Set<string>();

  /** volumes: the guest directories of the run's volumes, whose missing paths are not listed. */
  constructor(private readonly volumes: readonly string[] = []) {}

  /** Takes the line when it reports a missing file (true), else leaves it to the caller (false). */
  take(line: string): boolean {
    const path = missingFilePath(line);
    if (path === undefined) return false;
    if (!underVolume(path, this.volumes)) this.paths.add(path);
    return true;
  }

  sorted(): string[] {
    return [...this.paths].sort();
  }

  /** What `ukify run --missing-files` prints on stderr when the app has exited. */
  report(): string {
    const paths = this.sorted();
    if (paths.length === 0) return 'ukify: missing files: none (every path the program looked up was in the image)\n';
    return `ukify: missing files (looked up by the program, not in the image): ${paths.length}\n${paths.map((p) => `  ${p}\n`).join('')}`;
  }
}
