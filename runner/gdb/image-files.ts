// The ELF files of an image's initrd (kernel/IMAGE.md: the bundle's cpio "newc" archive), written
// under a host folder at their guest paths, so gdb reads exactly what the guest runs. Symlinks are
// kept, their absolute targets made relative so that they resolve inside the folder, never on the host.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { ImageFile } from '../../packager/image-files.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function isElf(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}

/**
 * Writes the initrd's ELF files and its symlinks under root (emptied first); returns how many ELF
 * files. Other files are left out: gdb needs only the programs and libraries.
 */
export function writeElfFiles(files: ReadonlyMap<string, ImageFile>, root: string): number {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const last = [...files].map(([path, f]) => ({ path, ...f }));
  let count = 0;
  // Files first, then links (a link may sit in a folder only files make); what cannot be written is skipped.
  const elfs = last.filter((e) => (e.mode & S_IFMT) === S_IFREG && isElf(e.data));
  const links = last.filter((e) => (e.mode & S_IFMT) === S_IFLNK);
  for (const e of elfs) {
    const host = join(root, e.path);
    try {
      mkdirSync(dirname(host), { recursive: true });
      writeFileSync(host, e.data, { mode: 0o644 });
      count++;
    } catch {
      // a path the guest has through a link that does not resolve here: gdb will say it cannot open it
    }
  }
  for (const e of links) {
    const host = join(root, e.path);
    const target = new TextDecoder().decode(e.data);
    try {
      mkdirSync(dirname(host), { recursive: true });
      rmSync(host, { force: true, recursive: true });
      symlinkSync(target.startsWith('/') ? relative(dirname(host), join(root, target)) || '.' : target, host);
    } catch {
      // as above
    }
  }
  return count;
}
