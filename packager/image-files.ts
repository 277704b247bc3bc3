// The files an image carries: its bundle's cpio initrd read back (kernel/IMAGE.md), so that the
// runner can look at exactly what the guest runs (a crash's objects, their symbols).
import { PT_LOAD } from '../analyzer/elf/constants.js';
import { parseHeader, tableCounts } from '../analyzer/elf/header.js';
import { ByteReader } from '../analyzer/elf/reader.js';
import { parseProgramHeaders } from '../analyzer/elf/segments.js';
import { hasBundleMagic, readBundleHeader } from './bundle.js';

export interface ImageFile {
  mode: number;
  data: Uint8Array;
}

const HEADER = 110;
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** The image's files by guest path ("/usr/lib/x86_64-linux-gnu/libc.so.6"); empty when it has no bundle. */
export function imageFiles(image: Uint8Array): Map<string, ImageFile> {
  const r = new ByteReader(image, undefined);
  const header = parseHeader(r);
  const segment = parseProgramHeaders(r, header, tableCounts(r, header).phnum).find((p) => p.type === PT_LOAD && hasBundleMagic(image, Number(p.offset)));
  const files = new Map<string, ImageFile>();
  const bundle = segment === undefined ? undefined : readBundleHeader(image, Number(segment.offset));
  if (segment === undefined || bundle === undefined) return files;
  const start = Number(segment.offset + bundle.initrdOffset);
  const cpio = image.subarray(start, start + Number(bundle.initrdSize));
  const text = (at: number, n: number): string => Buffer.from(cpio.subarray(at, at + n)).toString('latin1');
  const field = (at: number, i: number): number => parseInt(text(at + 6 + 8 * i, 8), 16);
  for (let at = 0; at + HEADER <= cpio.length && text(at, 6) === '070701'; ) {
    const mode = field(at, 1), size = field(at, 6), nameSize = field(at, 11);
    const name = text(at + HEADER, nameSize - 1);
    const dataAt = at + Math.ceil((HEADER + nameSize) / 4) * 4;
    if (name === 'TRAILER!!!') break;
    files.set(`/${name}`, { mode, data: cpio.subarray(dataAt, dataAt + size) });
    at = dataAt + Math.ceil(size / 4) * 4;
  }
  return files;
}

/** A path's file, following symlinks (in any component, up to 32 in all) in the image; undefined
 * when there is none. */
export function imageFile(files: ReadonlyMap<string, ImageFile>, path: string): ImageFile | undefined {
  let parts = path.split('/').filter((p) => p !== '' && p !== '.');
  let done: string[] = [];
  for (let hops = 0; parts.length > 0; ) {
    const part = parts.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    const here = `/${[...done, part].join('/')}`;
    const f = files.get(here);
    if (f !== undefined && (f.mode & S_IFMT) === S_IFLNK) {
      if (++hops > 32) return undefined;
      const target = Buffer.from(f.data).toString('utf8');
      parts = [...target.split('/').filter((p) => p !== '' && p !== '.'), ...parts];
      if (target.startsWith('/')) done = [];
      continue;
    }
    done.push(part);
  }
  return files.get(`/${done.join('/')}`);
}
