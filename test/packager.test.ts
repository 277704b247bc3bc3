// The packager's pure parts: cpio archives read back by GNU cpio, the bundle layout of kernel/IMAGE.md
// read with the offsets written in that file, and the symbol list.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cpioArchive, parentDirectories, type CpioEntry } from '../packager/cpio.js';
import { buildBundle, hasBundleMagic, readBundleHeader } from '../packager/bundle.js';
import { symbolLines } from '../packager/symbols.js';
import type { ElfSymbol } from '../analyzer/elf/types.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-packager-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('cpio newc writer', () => {
  // Data lengths 0..5 exercise every padding case of names and data.
  const binary = Uint8Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff);
  const entries: CpioEntry[] = [
    { name: 'dir', mode: 0o040755 },
    { name: 'dir/sub', mode: 0o040700 },
    { name: 'dir/sub/app', mode: 0o100755, data: binary },
    { name: 'e', mode: 0o100644, data: new Uint8Array(0) },
    ...[1, 2, 3, 4, 5].map((n) => ({ name: `f${'x'.repeat(n)}`, mode: 0o100600, data: bytes('abcde'.slice(0, n)) })),
  ];
  const archive = cpioArchive(entries);
  const archivePath = join(work, 'test.cpio');
  writeFileSync(archivePath, archive);

  it('lists the entries with their names and modes in GNU cpio', () => {
    const listing = execFileSync('cpio', ['-t', '-v', '--quiet', '-F', archivePath], { encoding: 'utf8' });
    const rows = listing.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows.map((r) => r[r.length - 1])).toEqual(entries.map((e) => e.name));
    expect(rows.map((r) => r[0])).toEqual(['drwxr-xr-x', 'drwx------', '-rwxr-xr-x', '-rw-r--r--', ...Array(5).fill('-rw-------')]);
  });

  it('extracts to the same bytes with GNU cpio', () => {
    const out = join(work, 'extract');
    execFileSync('mkdir', ['-p', out]);
    execFileSync('cpio', ['-i', '-d', '--quiet', '-F', archivePath], { cwd: out });
    for (const e of entries.filter((x) => x.data !== undefined)) {
      expect(readFileSync(join(out, e.name))).toEqual(Buffer.from(e.data ?? []));
      expect(statSync(join(out, e.name)).mode & 0o777).toBe(e.mode & 0o777);
    }
  });

  it('pads every header+name and every data block to 4 bytes and ends with the trailer', () => {
    // Walk the archive by the newc rules: 110-byte header, name, pad to 4, data, pad to 4.
    const text = new TextDecoder('latin1').decode(archive);
    const names: string[] = [];
    let at = 0;
    while (at < text.length) {
      expect(at % 4).toBe(0);
      expect(text.slice(at, at + 6)).toBe('070701');
      const field = (i: number): number => Number.parseInt(text.slice(at + 6 + 8 * i, at + 14 + 8 * i), 16);
      const nameSize = field(11);
      names.push(text.slice(at + 110, at + 110 + nameSize - 1));
      const dataAt = Math.ceil((at + 110 + nameSize) / 4) * 4;
      at = Math.ceil((dataAt + field(6)) / 4) * 4;
    }
    expect(at).toBe(archive.length);
    expect(names).toEqual([...entries.map((e) => e.name), 'TRAILER!!!']);
  });

  it('names the parent directories of a set of paths, parents first', () => {
    expect(parentDirectories(['hello', '.ukify/symbols', 'usr/lib/x/libc.so'])).toEqual(['.ukify', 'usr', 'usr/lib', 'usr/lib/x']);
  });
});

describe('bundle', () => {
  const initrd = Uint8Array.from({ length: 5000 }, (_, i) => i & 0xff);
  const bundle = buildBundle({ initrd, args: ['/hello', 'a b', ''], env: ['A=1', 'UKIFY_GREETING=hi there'] });
  const view = new DataView(bundle.buffer, bundle.byteOffset, bundle.byteLength);
  const u64 = (o: number): number => Number(view.getBigUint64(o, true));
  const u32 = (o: number): number => view.getUint32(o, true);
  const cstrings = (from: number, count: number): string[] => {
    const out: string[] = [];
    let at = from;
    for (let i = 0; i < count; i++) {
      const end = bundle.indexOf(0, at);
      out.push(new TextDecoder().decode(bundle.subarray(at, end)));
      at = end + 1;
    }
    return out;
  };

  it('has the header of kernel/IMAGE.md', () => {
    expect(new TextDecoder().decode(bundle.subarray(0, 8))).toBe('UKIFYBN1');
    expect(u32(8)).toBe(1);
    expect(u32(12)).toBe(64);
    expect(u64(16)).toBe(bundle.length);
  });

  it('holds argv and the environment as NUL-terminated strings, env right after args', () => {
    expect(u32(48)).toBe(3);
    expect(u32(52)).toBe(2);
    expect(cstrings(u64(40), 3)).toEqual(['/hello', 'a b', '']);
    expect(u64(56)).toBe(u64(40) + '/hello\0a b\0\0'.length);
    expect(cstrings(u64(56), 2)).toEqual(['A=1', 'UKIFY_GREETING=hi there']);
  });

  it('holds the initrd at a page-aligned offset, after the strings', () => {
    const offset = u64(24);
    expect(offset % 4096).toBe(0);
    expect(offset).toBeGreaterThanOrEqual(u64(56) + 'A=1\0UKIFY_GREETING=hi there\0'.length);
    expect(u64(32)).toBe(initrd.length);
    expect(bundle.subarray(offset, offset + initrd.length)).toEqual(initrd);
    expect(offset + initrd.length).toBe(bundle.length);
  });

  it('is recognized by its magic and read back', () => {
    expect(hasBundleMagic(bundle)).toBe(true);
    expect(hasBundleMagic(bytes('UKIFYBN2'))).toBe(false);
    expect(hasBundleMagic(bytes('UKIFY'))).toBe(false);
    expect(readBundleHeader(bundle)).toMatchObject({ argc: 3, envc: 2, initrdSize: 5000n, totalSize: BigInt(bundle.length) });
  });

  it('refuses a string with a NUL byte in one clear error', () => {
    expect(() => buildBundle({ initrd, args: ['/a', 'x\0y'], env: [] })).toThrow(/argument 'x\\0y' holds a NUL byte/);
  });
});

describe('symbols', () => {
  const sym = (name: string, value: bigint, size: bigint, type = 2, shndx = 1): ElfSymbol => ({
    index: 0, name, value, size, type, bind: 1, visibility: 0, shndx,
  });

  it('lists defined functions once each, sorted by address, as "<hex start> <hex size> <name>"', () => {
    const text = symbolLines({
      symbols: [sym('main', 0x401a20n, 0x35n), sym('_start', 0x401000n, 0x26n), sym('data', 0x404000n, 8n, 1), sym('puts', 0n, 0n, 2, 0)],
      dynamicSymbols: [sym('main', 0x401a20n, 0x35n), sym('memcpy', 0x402000n, 0x100n, 10)],
    });
    expect(text).toBe('401000 26 _start\n401a20 35 main\n402000 100 memcpy\n');
  });
});
