// The modification time a file brought from the host keeps in the image: the host file's own, in
// whole seconds (cpio newc's unit). What no host file is behind gets the build's time instead
// (initrd.ts, initrdArchive).
import { statSync } from 'node:fs';

/** The mtime of the host file at path (symlinks followed), or undefined when it cannot be read. */
export function hostMtime(path: string): number | undefined {
  try {
    return Math.max(0, Math.floor(statSync(path).mtimeMs / 1000));
  } catch {
    return undefined;
  }
}

/** The build's time: SOURCE_DATE_EPOCH when set (reproducible builds' convention), else now. */
export function buildTimeNow(): number {
  const fixed = process.env.SOURCE_DATE_EPOCH;
  if (fixed !== undefined && /^\d+$/.test(fixed)) return Number(fixed);
  return Math.floor(Date.now() / 1000);
}
