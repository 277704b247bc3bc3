// The ELF files of an image's initrd (kernel/IMAGE.md: the bundle's cpio "newc" archive), written
// under a host folder at their guest paths, so gdb reads exactly what the guest runs. Symlinks are
// kept, their absolute targets made relative so that they resolve inside the folder, never on the host.
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { PT_LOAD } from '../../analyzer/elf/constants.js';
import { parseHeader, tableCounts } from '../../analyzer/elf/header.js';
import { ByteReader } from '../../analyzer/elf/reader.js';
import { parseProgramHeaders } from '../../analyzer/elf/segments.js';
import { hasBundleMagic, readBundleHeader } from '../../packager/bundle.js';

export interface InitrdEntry {
  /** Guest path, absolute ("/lib/x86_64-linux-gnu/libc.so.6"). */
  path: string;
  mode: number;
  data: Uint8Array;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** The initrd's bytes inside an image, or undefined when the image has no readable bundle. */
export function imageInitrd(image: Uint8Array): Uint8Array | undefined {
  const r = new ByteReader(image, undefined);
  const header = parseHeader(r);
  const loads = parseProgramHeaders(r, header, tableCounts(r, header).phnum).filter((p) => p.type === PT_LOAD);
  const bundle = loads.find((p) => p.filesz >= 8n && hasBundleMagic(image, Number(p.offset)));
  if (bundle === undefined) return undefined;
  const at = Number(bundle.offset);
  const h = readBundleHeader(image, at);
  if (h === undefined) return undefined;
  const start = at + Number(h.initrdOffset);
  return image.subarray(start, start + Number(h.initrdSize));
}

/** The entries of a cpio newc archive, in order (later ones replace earlier ones in the guest). */
export function cpioEntries(archive: Uint8Array): InitrdEntry[] {
  const text = new TextDecoder('latin1');
  const entries: InitrdEntry[] = [];
  let at = 0;
  while (at + 110 <= archive.length) {
    const header = text.decode(archive.subarray(at, at + 110));
    if (!header.startsWith('07070')) throw new Error(`bad cpio header at ${at}`);
    const field = (i: number): number => parseInt(header.slice(6 + i * 8, 14 + i * 8), 16);
    const mode = field(1), size = field(6), nameSize = field(11);
    const nameAt = at + 110;
    const name = new TextDecoder().decode(archive.subarray(nameAt, nameAt + nameSize - 1));
    const dataAt = nameAt + nameSize + ((4 - ((110 + nameSize) % 4)) % 4);
    if (name === 'TRAILER!!!') break;
    entries.push({ path: posix.join('/', name), mode, data: archive.subarray(dataAt, dataAt + size) });
    at = dataAt + size + ((4 - (size % 4)) % 4);
  }
  return entries;
}

function isElf(data: Uint8Array): boolean {
  return data.length >= 4 && data[0] === 0x7f && data[1] === 0x45 && data[2] === 0x4c && data[3] === 0x46;
}

/**
 * Writes the initrd's ELF files and its symlinks under root (emptied first); returns how many ELF
 * files. Other files are left out: gdb needs only the programs and libraries.
 */
export function writeElfFiles(entries: readonly InitrdEntry[], root: string): number {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const last = new Map<string, InitrdEntry>();
  for (const e of entries) last.set(e.path, e);
  let count = 0;
  // Files first, then links (a link may sit in a folder only files make); what cannot be written is skipped.
  const files = [...last.values()].filter((e) => (e.mode & S_IFMT) === S_IFREG && isElf(e.data));
  const links = [...last.values()].filter((e) => (e.mode & S_IFMT) === S_IFLNK);
  for (const e of files) {
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
