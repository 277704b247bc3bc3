// Bytes as strace quotes them: C escapes, other unprintable bytes in octal, cut after `max` bytes
// with "..." after the closing quote (strace's -s, 32 by default).

export const STRING_LIMIT = 32;

const escapes: Record<number, string> = { 0x09: '\\t', 0x0a: '\\n', 0x0b: '\\v', 0x0c: '\\f', 0x0d: '\\r', 0x22: '\\"', 0x5c: '\\\\' };

/** hex: every byte as \\xNN (strace does so for some calls' binary data). */
export function quote(bytes: Buffer, max: number = STRING_LIMIT, more = false, hex = false): string {
  const shown = bytes.subarray(0, max);
  let s = '';
  for (let i = 0; i < shown.length; i++) {
    const c = shown[i] as number;
    const next = i + 1 < shown.length ? (shown[i + 1] as number) : -1;
    if (escapes[c] !== undefined) s += escapes[c];
    else if (hex) s += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
    // the shortest octal, unless a digit follows and would be read as part of it
    else s += `\\${next >= 0x30 && next <= 0x37 ? c.toString(8).padStart(3, '0') : c.toString(8)}`;
  }
  return `"${s}"${more || bytes.length > max ? '...' : ''}`;
}

/** A NUL-terminated string's bytes (without the NUL), and whether it was cut. */
export function cString(bytes: Buffer): { text: Buffer; complete: boolean } {
  const nul = bytes.indexOf(0);
  return nul < 0 ? { text: bytes, complete: false } : { text: bytes.subarray(0, nul), complete: true };
}
