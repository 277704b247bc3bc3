// Piped stdin for the guest (kernel/IMAGE.md, console=framed): a byte stream cannot say "end of
// input" on a serial line, so the runner frames it. Every data byte passes as itself except 0xff,
// which is doubled; the pair 0xff 0x00 marks the end of the input. Other 0xff pairs are reserved.
import { Transform, type TransformCallback } from 'node:stream';

export const FRAME_ESC = 0xff;
export const FRAME_EOF = 0x00;
export const EOF_FRAME: Buffer = Buffer.from([FRAME_ESC, FRAME_EOF]);

/** The frame of one chunk of data: 0xff doubled, every other byte unchanged. */
export function frameBytes(chunk: Uint8Array): Buffer {
  let escapes = 0;
  for (const byte of chunk) if (byte === FRAME_ESC) escapes++;
  if (escapes === 0) return Buffer.from(chunk);
  const out = Buffer.allocUnsafe(chunk.length + escapes);
  let at = 0;
  for (const byte of chunk) {
    out[at++] = byte;
    if (byte === FRAME_ESC) out[at++] = FRAME_ESC;
  }
  return out;
}

/** A stream that frames what is written to it and adds the end mark when it ends. */
export class FramingStream extends Transform {
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    done(null, frameBytes(chunk));
  }

  override _flush(done: TransformCallback): void {
    done(null, EOF_FRAME);
  }
}
