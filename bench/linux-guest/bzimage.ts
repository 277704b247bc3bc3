// Finds the compressed kernel inside an x86 bzImage (Linux boot protocol >= 2.08). The setup code
// fills the first (setup_sects + 1) 512-byte sectors; the protected-mode part follows, and its header
// fields payload_offset (0x248) and payload_length (0x24c) locate the compressed vmlinux within it.
// The kernel build ends the payload with the uncompressed size as 4 little-endian bytes: appended
// after the stream for xz and zstd, and for gzip it is the stream's own ISIZE trailer.
import { LinuxGuestError } from './error.js';

export type Compression = 'gzip' | 'xz' | 'zstd';

export interface BzPayload {
  compression: Compression;
  /** File offset and length of the bytes to feed the decompressor (the size trailer of xz/zstd left out). */
  start: number;
  length: number;
  /** The uncompressed size modulo 2^32, as the kernel build recorded it. */
  expectedSize: number;
}

const magics: ReadonlyArray<[Compression, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

const HEADER_END = 0x250;

function startsWith(bytes: Uint8Array, at: number, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[at + i] === b);
}

export function bzImagePayload(bz: Uint8Array, fileName = 'bzImage'): BzPayload {
  const view = new DataView(bz.buffer, bz.byteOffset, bz.byteLength);
  if (bz.length < HEADER_END || view.getUint32(0x202, true) !== 0x53726448 /* "HdrS" */) {
    throw new LinuxGuestError(`${fileName}: not an x86 bzImage (no "HdrS" boot header)`);
  }
  const protocol = view.getUint16(0x206, true);
  if (protocol < 0x208) {
    throw new LinuxGuestError(`${fileName}: boot protocol ${protocol >> 8}.${protocol & 0xff} is too old (need 2.08+ for the payload fields)`);
  }
  // setup_sects = 0 means 4, for compatibility with ancient images.
  const setupSects = bz[0x1f1] || 4;
  const start = (setupSects + 1) * 512 + view.getUint32(0x248, true);
  const length = view.getUint32(0x24c, true);
  if (length < 8 || start + length > bz.length) {
    throw new LinuxGuestError(`${fileName}: payload (${length} bytes at ${start}) lies outside the ${bz.length}-byte file`);
  }
  const found = magics.find(([, magic]) => startsWith(bz, start, magic));
  if (found === undefined) {
    const head = [...bz.subarray(start, start + 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new LinuxGuestError(`${fileName}: payload compression not supported (starts ${head}; have gzip, xz, zstd)`);
  }
  const compression = found[0];
  const expectedSize = view.getUint32(start + length - 4, true);
  return { compression, start, length: compression === 'gzip' ? length : length - 4, expectedSize };
}

/** The system tool (and arguments) that decompresses a payload from stdin to stdout. */
export function decompressor(compression: Compression): [string, string[]] {
  return [compression, ['-dc']];
}
