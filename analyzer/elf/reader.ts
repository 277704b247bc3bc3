// Bounds-checked little-endian reads over a byte range. Every failure is an ElfError naming the file,
// so parsers never index past an array or turn garbage into a RangeError.
import { ElfError } from './error.js';

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

export class ByteReader {
  private readonly view: DataView;

  constructor(
    readonly bytes: Uint8Array,
    readonly fileName: string | undefined,
    /** What these bytes are, for messages ("the file", ".dynsym", ...). */
    readonly what = 'the file',
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  fail(message: string): never {
    throw new ElfError(message, this.fileName);
  }

  /** Throws unless [offset, offset+size) lies inside these bytes. */
  check(offset: number, size: number, item: string): void {
    if (!(offset >= 0 && size >= 0 && offset + size <= this.bytes.length)) {
      const end = offset + size;
      this.fail(
        this.what === 'the file'
          ? `truncated: ${item} ends at ${hex(end)} past the file's end (${hex(this.bytes.length)})`
          : `${item} at ${hex(offset)} runs past the end of ${this.what} (${hex(this.bytes.length)})`,
      );
    }
  }

  /** Range-checks a 64-bit (offset, size) pair and returns the offset as a number. */
  range(offset: bigint, size: bigint, item: string): number {
    const length = BigInt(this.bytes.length);
    if (offset < 0n || size < 0n || offset + size > length) {
      const end = offset + size;
      this.fail(
        this.what === 'the file'
          ? `truncated: ${item} ends at ${hex(end)} past the file's end (${hex(length)})`
          : `${item} at ${hex(offset)} runs past the end of ${this.what} (${hex(length)})`,
      );
    }
    return Number(offset);
  }

  /** A reader over [offset, offset+size), with messages naming `what`. */
  sub(offset: bigint, size: bigint, what: string): ByteReader {
    const start = this.range(offset, size, what);
    return new ByteReader(this.bytes.subarray(start, start + Number(size)), this.fileName, what);
  }

  u8(offset: number): number {
    this.check(offset, 1, 'a byte');
    return this.bytes[offset] as number;
  }

  u16(offset: number): number {
    this.check(offset, 2, 'a 16-bit field');
    return this.view.getUint16(offset, true);
  }

  u32(offset: number): number {
    this.check(offset, 4, 'a 32-bit field');
    return this.view.getUint32(offset, true);
  }

  i32(offset: number): number {
    this.check(offset, 4, 'a 32-bit field');
    return this.view.getInt32(offset, true);
  }

  u64(offset: number): bigint {
    this.check(offset, 8, 'a 64-bit field');
    return this.view.getBigUint64(offset, true);
  }

  i64(offset: number): bigint {
    this.check(offset, 8, 'a 64-bit field');
    return this.view.getBigInt64(offset, true);
  }

  /** The NUL-terminated string at `offset`; a string that runs off the end is an error, not a guess. */
  cstring(offset: number, item: string): string {
    if (!(offset >= 0 && offset < this.bytes.length)) {
      this.fail(`${item}: string offset ${hex(offset)} is outside ${this.what} (size ${hex(this.bytes.length)})`);
    }
    const end = this.bytes.indexOf(0, offset);
    if (end < 0) this.fail(`${item}: string at ${hex(offset)} in ${this.what} is not NUL-terminated`);
    return decodeAscii(this.bytes, offset, end);
  }
}

const utf8 = new TextDecoder('utf-8');

function decodeAscii(bytes: Uint8Array, start: number, end: number): string {
  // Symbol names are almost always short ASCII: building them directly beats TextDecoder's call cost.
  if (end - start <= 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i] as number;
      if (c >= 0x80) return utf8.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8.decode(bytes.subarray(start, end));
}

export { hex };
