// Bounds-checked little-endian reads over a byte range. Every failure is an ElfError naming the file,
// so parsers never index past an array or turn garbage into a RangeError.
import { ElfError } from './error.js';

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

export class ByteReader {
  private readonly view: DataView;
  /** The bytes as a Buffer, for its string decoding (made on first use). */
  private text: Buffer | undefined;

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
  /** The NUL-terminated string at offset; `item` names it in a failure (a function: built only then). */
  cstring(offset: number, item: string | (() => string)): string {
    const named = (): string => (typeof item === 'string' ? item : item());
    if (!(offset >= 0 && offset < this.bytes.length)) {
      this.fail(`${named()}: string offset ${hex(offset)} is outside ${this.what} (size ${hex(this.bytes.length)})`);
    }
    const end = this.bytes.indexOf(0, offset);
    if (end < 0) this.fail(`${named()}: string at ${hex(offset)} in ${this.what} is not NUL-terminated`);
    for (let i = offset; i < end; i++) if ((this.bytes[i] as number) >= 0x80) return utf8.decode(this.bytes.subarray(offset, end));
    // ASCII (almost every name): one flat string made at once.
    this.text ??= Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    return this.text.toString('latin1', offset, end);
  }
}

const utf8 = new TextDecoder('utf-8');


export { hex };
