// The ELF writer: unchanged round trips are byte-identical, patches land where readelf and the
// running program see them, and an added PT_LOAD is valid for readelf and ignored by the program.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appendLoadSegment, ElfError, findSection, patchAtVaddr, readAtVaddr, readElf, sectionBytes, writeElf,
} from '../analyzer/elf/index.js';
import { elfTestDir, readelf, realBinaries, root } from './elf-support.js';

const fixture = (name: string): string => join(root, 'build', 'fixtures', name);
const outDir = join(elfTestDir, 'write');

/** Runs a program natively; stdout, exit status and stderr. */
function run(file: string, args: string[]): { stdout: string; status: number | null; stderr: string } {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: 20_000, env: { PATH: '/usr/bin:/bin' } });
  return { stdout: r.stdout, status: r.status, stderr: r.stderr };
}

/** Writes `bytes` as an executable with the same base name as `original` (hello prints argv[0]'s basename). */
function writeProgram(bytes: Uint8Array, original: string, tag: string): string {
  const dir = join(outDir, tag);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, basename(original));
  writeFileSync(file, bytes, { mode: 0o755 });
  return file;
}

function readelfAll(file: string, args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync('readelf', ['-W', ...args, file], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  expect(r.status).toBe(0);
  return { stdout: r.stdout, stderr: r.stderr };
}

describe('writeElf: an unchanged round trip is byte-identical', () => {
  for (const file of [...realBinaries, fixture('hello.glibc-static'), fixture('threads.musl-dynamic')]) {
    it(basename(file), () => {
      const bytes = readFileSync(file);
      const out = writeElf(readElf(bytes, file));
      expect(out.length).toBe(bytes.length);
      expect(Buffer.compare(Buffer.from(out), bytes)).toBe(0);
    });
  }

  it('encodes the header fields it was given (readelf sees a changed entry point and section address)', () => {
    const file = fixture('hello.glibc-static');
    const elf = readElf(readFileSync(file), file);
    const text = findSection(elf, '.text');
    expect(text).toBeDefined();
    const changed = writeElf({
      ...elf,
      header: { ...elf.header, entry: 0x401234n },
      sections: elf.sections.map((s) => (s.name === '.comment' ? { ...s, addr: 0xabcdefn } : s)),
    });
    const path = writeProgram(changed, file, 'entry');
    expect(readelf(['-h'], path)).toMatch(/Entry point address:\s+0x401234\n/);
    expect(readelf(['-S'], path)).toMatch(/\] \.comment\s+PROGBITS\s+0000000000abcdef /);
  });
});

describe('patchAtVaddr', () => {
  it('replaces bytes at a virtual address: read back, and the running program prints the patched string', () => {
    const file = fixture('hello.glibc-static');
    const bytes = readFileSync(file);
    const elf = readElf(bytes, file);
    const rodata = findSection(elf, '.rodata');
    if (rodata === undefined) throw new Error('no .rodata');
    const at = Buffer.from(sectionBytes(elf, rodata)).indexOf('UKIFY_GREETING=');
    expect(at).toBeGreaterThanOrEqual(0);
    const vaddr = rodata.addr + BigInt(at) + 6n; // "GREETING" in the printf format
    const patch = new TextEncoder().encode('SALUTING');
    const out = patchAtVaddr(bytes, elf, vaddr, patch);

    expect(Buffer.from(bytes.subarray(0, 8)).equals(Buffer.from(out.subarray(0, 8)))).toBe(true);
    expect(readAtVaddr(readElf(out), vaddr, patch.length)).toEqual(patch);
    let differing = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== out[i]) differing++;
    expect(differing).toBeLessThanOrEqual(patch.length);
    expect(bytes.indexOf('UKIFY_GREETING=')).toBeGreaterThan(0); // the input is untouched

    const native = run(file, ['x']);
    const patched = run(writeProgram(out, file, 'patch'), ['x']);
    expect(native.stdout).toContain('UKIFY_GREETING=(unset)');
    // getenv's key is a separate string, so only the printed label changes.
    expect(patched.stdout).toBe(native.stdout.replace('UKIFY_GREETING=', 'UKIFY_SALUTING='));
    expect(patched.status).toBe(native.status);
  });

  it('refuses addresses that are not backed by the file', () => {
    const file = fixture('hello.glibc-static');
    const bytes = readFileSync(file);
    const elf = readElf(bytes, file);
    const bss = findSection(elf, '.bss');
    if (bss === undefined) throw new Error('no .bss');
    expect(() => patchAtVaddr(bytes, elf, bss.addr + 16n, new Uint8Array(4))).toThrow(ElfError);
    expect(() => patchAtVaddr(bytes, elf, 0x10n, new Uint8Array(4))).toThrow(/cannot patch 0x10\.\.0x14/);
    expect(() => patchAtVaddr(bytes, elf, 0x10n, new Uint8Array(4))).toThrow(file);
  });
});

describe('appendLoadSegment', () => {
  const payload = new Uint8Array(10_000).map((_, i) => (i * 7 + 3) & 0xff);

  for (const name of ['hello.glibc-static', 'hello.musl-static', 'hello.glibc-static-pie', 'hello.glibc-dynamic', 'hello.musl-dynamic']) {
    it(`adds a PT_LOAD to ${name} that readelf shows, and the program runs as before`, () => {
      const file = fixture(name);
      const bytes = readFileSync(file);
      const elf = readElf(bytes, file);
      const seg = { data: payload, vaddr: 0x40000000n + 0x1234n, paddr: 0x40000000n + 0x1234n, flags: 4, align: 0x200000n };
      const out = appendLoadSegment(bytes, elf, seg);
      const path = writeProgram(out, file, 'append');

      const { stdout, stderr } = readelfAll(path, ['-l']);
      expect(stderr).toBe('');
      const loads = [...stdout.matchAll(/^\s+LOAD\s+(0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (...) (0x[0-9a-f]+)$/gm)];
      const before = elf.programHeaders.filter((p) => p.type === 1).length;
      expect(loads.length).toBe(before + 1);
      const added = loads.find((m) => BigInt(m[2] as string) === seg.vaddr);
      expect(added).toBeDefined();
      const [, offset, , paddr, filesz, memsz, flags, align] = added as RegExpMatchArray;
      expect(BigInt(offset as string) % seg.align).toBe(seg.vaddr % seg.align);
      expect(BigInt(offset as string)).toBeGreaterThanOrEqual(BigInt(bytes.length));
      expect(BigInt(paddr as string)).toBe(seg.paddr);
      expect(BigInt(filesz as string)).toBeGreaterThanOrEqual(BigInt(payload.length));
      expect(memsz).toBe(filesz);
      expect(flags).toBe('R  ');
      expect(BigInt(align as string)).toBe(seg.align);
      // LOAD entries stay sorted by address, as loaders expect.
      const vaddrs = loads.map((m) => BigInt(m[2] as string));
      expect([...vaddrs].sort((a, b) => (a < b ? -1 : 1))).toEqual(vaddrs);
      // The payload is where the segment says, byte for byte.
      const start = Number(BigInt(offset as string));
      expect(Buffer.from(out.subarray(start, start + payload.length)).equals(Buffer.from(payload))).toBe(true);
      expect(readAtVaddr(readElf(out), seg.vaddr, payload.length)).toEqual(payload);
      // PT_PHDR (dynamic programs) must describe the moved table, inside the new segment.
      const phdr = /^\s+PHDR\s+(0x[0-9a-f]+) (0x[0-9a-f]+)/m.exec(stdout);
      const table = /starting at offset (\d+)/.exec(stdout);
      if (phdr !== null) {
        expect(BigInt(phdr[1] as string)).toBe(BigInt(table?.[1] as string));
        expect(BigInt(phdr[2] as string) - seg.vaddr).toBe(BigInt(phdr[1] as string) - BigInt(offset as string));
      }

      const native = run(file, ['7', 'two words']);
      const extended = run(path, ['7', 'two words']);
      expect(native.status).toBe(7);
      expect(extended).toEqual(native);
    });
  }

  it('adds a segment to the kernel image, which has no spare program header slot', () => {
    const kernel = join(root, 'build', 'kernel', 'ukify-kernel.elf');
    if (!existsSync(kernel)) {
      // The kernel is another part's build product; without it there is nothing to check here.
      expect(existsSync(join(root, 'kernel', 'Makefile'))).toBe(false);
      return;
    }
    const bytes = readFileSync(kernel);
    const elf = readElf(bytes, kernel);
    const top = elf.programHeaders.filter((p) => p.type === 1).reduce((m, p) => (p.paddr + p.memsz > m ? p.paddr + p.memsz : m), 0n);
    const paddr = ((top + 0x1fffffn) / 0x200000n) * 0x200000n;
    const out = appendLoadSegment(bytes, elf, { data: payload, vaddr: paddr, paddr, flags: 4, align: 0x1000n });
    const path = join(outDir, 'kernel-with-bundle.elf');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path, out);
    const { stdout, stderr } = readelfAll(path, ['-l']);
    expect(stderr).toBe('');
    expect(stdout).toMatch(new RegExp(`LOAD\\s+0x[0-9a-f]+ 0x0*${paddr.toString(16)} 0x0*${paddr.toString(16)} `));
    expect(readElf(out).notes.length).toBe(elf.notes.length); // the PVH entry note survives

    // QEMU's PVH loader accepts it: the kernel boots and, its bundle address being unpatched (zero),
    // reports the missing bundle with status 127 as IMAGE.md specifies.
    const qemu = spawnSync('qemu-system-x86_64', [
      '-M', 'microvm', '-nodefaults', '-no-user-config', '-display', 'none', '-accel', 'tcg', '-m', '128',
      '-kernel', path, '-debugcon', 'stdio', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4',
    ], { encoding: 'utf8', timeout: 60_000 });
    expect(qemu.stderr).not.toMatch(/error|could not/i);
    expect(qemu.stdout).toContain('ukify-exit: 127');
  });

  it('refuses overlapping segments and bad alignments', () => {
    const file = fixture('hello.glibc-static');
    const bytes = readFileSync(file);
    const elf = readElf(bytes, file);
    const text = findSection(elf, '.text');
    if (text === undefined) throw new Error('no .text');
    expect(() => appendLoadSegment(bytes, elf, { data: payload, vaddr: text.addr, paddr: 0x50000000n, flags: 4, align: 0n })).toThrow(/overlaps segment/);
    expect(() => appendLoadSegment(bytes, elf, { data: payload, vaddr: 0x50000000n, paddr: 0x50000000n, flags: 4, align: 0x3000n })).toThrow(ElfError);
  });
});

it('the test tools exist', () => {
  expect(execFileSync('readelf', ['--version'], { encoding: 'utf8' })).toMatch(/GNU readelf/);
});
