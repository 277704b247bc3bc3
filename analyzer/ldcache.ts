// /etc/ld.so.cache in glibc's "glibc-ld.so.cache1.1" format: a 48-byte header (magic, version,
// entry count, string table size, flags, extension offset), then 24-byte entries (flags, key and value
// string offsets, os version, hwcap). Offsets count from the start of this header.
import { readFileSync } from 'node:fs';

const magic = 'glibc-ld.so.cache1.1';
const headerSize = 48;
const entrySize = 24;
const FLAG_ELF_LIBC6 = 0x0003;
const FLAG_X8664_LIB64 = 0x0300;

/** soname -> path, x86-64 entries only, first entry wins (the cache lists preferred paths first). */
export function parseLdCache(bytes: Uint8Array): Map<string, string> {
  const text = new TextDecoder('latin1');
  const out = new Map<string, string>();
  // An old-format cache ("ld.so-1.7.0") may precede the new one; find the new header.
  const base = indexOf(bytes, magic);
  if (base < 0 || bytes.length < base + headerSize) return out;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(base + 20, true);
  const cstr = (off: number): string => {
    let end = base + off;
    while (end < bytes.length && bytes[end] !== 0) end++;
    return text.decode(bytes.subarray(base + off, end));
  };
  for (let i = 0; i < count; i++) {
    const at = base + headerSize + i * entrySize;
    if (at + entrySize > bytes.length) break;
    const flags = view.getInt32(at, true);
    if ((flags & 0xff) !== FLAG_ELF_LIBC6 || (flags & 0xff00) !== FLAG_X8664_LIB64) continue;
    const key = cstr(view.getUint32(at + 4, true));
    if (!out.has(key)) out.set(key, cstr(view.getUint32(at + 8, true)));
  }
  return out;
}

function indexOf(bytes: Uint8Array, s: string): number {
  const first = s.charCodeAt(0);
  outer: for (let i = 0; i + s.length <= bytes.length; i++) {
    if (bytes[i] !== first) continue;
    for (let k = 1; k < s.length; k++) if (bytes[i + k] !== s.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}

/** The host's cache, or an empty map when there is none. */
export function loadLdCache(path = '/etc/ld.so.cache'): Map<string, string> {
  try {
    return parseLdCache(new Uint8Array(readFileSync(path)));
  } catch {
    return new Map();
  }
}
