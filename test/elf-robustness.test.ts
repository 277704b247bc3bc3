// readElf on hostile input: thousands of mutated and truncated files either parse or fail with an
// ElfError, never another exception and never a hang; and the named bad inputs get clear messages.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ElfError, executableRegions, findSection, readAtVaddr, readElf, sectionBytes, vaddrToOffset, writeElf, type ElfFile,
} from '../analyzer/elf/index.js';
import { elfTestDir, root } from './elf-support.js';

/** mulberry32: a small seeded PRNG, so any failure reproduces from its seed and case number. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Region {
  start: number;
  size: number;
}

/** The structural parts of a file worth corrupting: headers, tables and the sections the reader decodes. */
function regions(elf: ElfFile): Region[] {
  const out: Region[] = [{ start: 0, size: 64 }];
  const { phoff, phnum, shoff, shnum } = elf.header;
  if (phnum > 0) out.push({ start: Number(phoff), size: phnum * 56 });
  if (shnum > 0) out.push({ start: Number(shoff), size: shnum * 64 });
  const names = ['.dynsym', '.dynstr', '.symtab', '.strtab', '.shstrtab', '.dynamic', '.rela.dyn', '.rela.plt', '.relr.dyn',
    '.gnu.version', '.gnu.version_r', '.gnu.version_d', '.eh_frame_hdr', '.eh_frame', '.note.gnu.build-id', '.note.gnu.property',
    '.note.ABI-tag', '.interp', '.init_array'];
  for (const name of names) {
    const s = findSection(elf, name);
    if (s !== undefined && s.type !== 8 && s.size > 0n) out.push({ start: Number(s.offset), size: Math.min(Number(s.size), 1 << 16) });
  }
  return out;
}

const HUGE = [0xffffffffffffffffn, 0x8000000000000000n, 0xffffffffn, 0x7fffffffn, 0x10000n, 0n, 1n];

/** One mutated copy: byte flips in a structure, a truncation, or a header field set to an extreme value. */
function mutate(original: Uint8Array, elf: ElfFile, random: () => number): Uint8Array {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const kind = random();
  if (kind < 0.2) {
    // Truncation, half of them inside the first 64 KiB where the headers usually are.
    const limit = random() < 0.5 ? Math.min(original.length, 1 << 16) : original.length;
    return original.slice(0, Math.floor(random() * limit));
  }
  const bytes = new Uint8Array(original);
  const view = new DataView(bytes.buffer);
  if (kind < 0.6) {
    const r = pick(regions(elf));
    const flips = 1 + Math.floor(random() * 8);
    for (let i = 0; i < flips; i++) {
      const at = r.start + Math.floor(random() * r.size);
      if (at < bytes.length) bytes[at] = random() < 0.5 ? (bytes[at] as number) ^ (1 << Math.floor(random() * 8)) : Math.floor(random() * 256);
    }
    return bytes;
  }
  // A 64-bit or 32-bit field of the ELF header, a program header or a section header set to an extreme.
  const value = random() < 0.8 ? pick(HUGE) : BigInt(Math.floor(random() * bytes.length * 2));
  const fields: [number, 2 | 4 | 8][] = [[24, 8], [32, 8], [40, 8], [54, 2], [56, 2], [58, 2], [60, 2], [62, 2]];
  let at: number;
  let width: 2 | 4 | 8;
  const which = random();
  if (which < 0.3 || (elf.header.phnum === 0 && elf.header.shnum === 0)) {
    [at, width] = pick(fields);
  } else if (which < 0.6 && elf.header.phnum > 0) {
    const base = Number(elf.header.phoff) + Math.floor(random() * elf.header.phnum) * 56;
    const [off, w] = pick([[0, 4], [4, 4], [8, 8], [16, 8], [32, 8], [40, 8], [48, 8]] as const);
    [at, width] = [base + off, w];
  } else {
    const base = Number(elf.header.shoff) + Math.floor(random() * Math.max(1, elf.header.shnum)) * 64;
    const [off, w] = pick([[0, 4], [4, 4], [24, 8], [32, 8], [40, 4], [44, 4], [56, 8]] as const);
    [at, width] = [base + off, w];
  }
  if (at + width > bytes.length) return bytes;
  if (width === 8) view.setBigUint64(at, value, true);
  else if (width === 4) view.setUint32(at, Number(value & 0xffffffffn), true);
  else view.setUint16(at, Number(value & 0xffffn), true);
  return bytes;
}

/** Everything a consumer calls on a parsed file; any throw must be an ElfError. */
function exercise(elf: ElfFile, bytes: Uint8Array): void {
  for (const s of elf.sections) sectionBytes(elf, s);
  for (const r of executableRegions(elf)) expect(r.bytes.length).toBeGreaterThan(0);
  vaddrToOffset(elf, elf.header.entry);
  readAtVaddr(elf, elf.header.entry, 16);
  // What parses must also write back unchanged.
  expect(Buffer.from(writeElf(elf)).equals(Buffer.from(bytes))).toBe(true);
}

interface Tally {
  parsed: number;
  rejected: number;
  slowestMs: number;
  messages: Set<string>;
}

function fuzz(file: string, seed: number, cases: number): Tally {
  const original = new Uint8Array(readFileSync(file));
  const elf = readElf(original, file);
  const random = prng(seed);
  const tally: Tally = { parsed: 0, rejected: 0, slowestMs: 0, messages: new Set() };
  for (let i = 0; i < cases; i++) {
    const bytes = mutate(original, elf, random);
    const started = performance.now();
    let outcome: unknown;
    try {
      exercise(readElf(bytes, 'mutant'), bytes);
      tally.parsed++;
    } catch (error) {
      outcome = error;
      tally.rejected++;
    }
    const ms = performance.now() - started;
    tally.slowestMs = Math.max(tally.slowestMs, ms);
    const where = `${file} seed ${seed} case ${i}`;
    if (outcome !== undefined) {
      if (!(outcome instanceof ElfError)) throw new Error(`${where}: threw ${String(outcome)}`);
      // readElf turns an unexpected exception into an ElfError "malformed ELF file (...)": that is a bug here.
      expect(outcome.message, where).not.toMatch(/malformed ELF file \(/);
      expect(outcome.message.startsWith('mutant: '), where).toBe(true);
      expect(outcome.message.includes('\n'), where).toBe(false);
      tally.messages.add(outcome.message.replace(/0x[0-9a-f]+|\d+/g, 'N'));
      if (process.env.ELF_FUZZ_VERBOSE) console.log(outcome.message);
    }
    // A hang detector, not a speed target: parsing a mutant must not take seconds.
    expect(ms, `${where} took ${ms.toFixed(0)} ms`).toBeLessThan(1000);
  }
  return tally;
}

const fixture = join(root, 'build', 'fixtures', 'hello.glibc-dynamic');

describe('mutated and truncated files: parse or ElfError, never anything else, never a hang', () => {
  for (const [file, seed] of [[fixture, 1], [join(root, 'build', 'fixtures', 'threads.glibc-static'), 2], ['/usr/sbin/nginx', 3]] as const) {
    it(`${file.split('/').at(-1)} (seed ${seed}, 1000 cases)`, () => {
      const t = fuzz(file, seed, 1000);
      console.log(`${file}: ${t.parsed} parsed, ${t.rejected} rejected (${t.messages.size} distinct messages), slowest ${t.slowestMs.toFixed(1)} ms`);
      // Both outcomes must occur, or the mutations are not reaching the parser.
      expect(t.parsed).toBeGreaterThan(0);
      expect(t.rejected).toBeGreaterThan(100);
    });
  }
});

describe('named bad inputs get one clear line', () => {
  let header: Uint8Array;
  beforeAll(() => {
    header = new Uint8Array(readFileSync(fixture));
  });
  const withBytes = (changes: [number, number][]): Uint8Array => {
    const b = new Uint8Array(header);
    for (const [at, v] of changes) b[at] = v;
    return b;
  };

  it('/etc/passwd is not an ELF file', () => {
    expect(() => readElf(readFileSync('/etc/passwd'), '/etc/passwd')).toThrow(new ElfError('not an ELF file', '/etc/passwd'));
    expect(() => readElf(readFileSync('/etc/passwd'), '/etc/passwd')).toThrow('/etc/passwd: not an ELF file');
  });

  it('an empty file', () => {
    expect(() => readElf(new Uint8Array(0), 'empty')).toThrow('empty: not an ELF file (it is empty)');
  });

  it('a 32-bit ELF (an i386 object file from gcc -m32 -c, or its crafted header)', () => {
    const src = join(elfTestDir, 'm32.c');
    const obj = join(elfTestDir, 'm32.o');
    let bytes: Uint8Array;
    try {
      execFileSync('sh', ['-c', `mkdir -p ${elfTestDir} && echo 'int f(void){return 1;}' > ${src} && gcc -m32 -c -o ${obj} ${src}`], { stdio: 'ignore' });
      bytes = readFileSync(obj);
      expect(bytes[4]).toBe(1); // ELFCLASS32, as the compiler wrote it
    } catch {
      bytes = withBytes([[4, 1]]);
    }
    expect(() => readElf(bytes, 'x')).toThrow('x: 32-bit ELF (ELFCLASS32) is not supported: ukify runs x86-64 programs');
  });

  it('a big-endian ELF', () => {
    expect(() => readElf(withBytes([[5, 2]]), 'be')).toThrow('be: big-endian ELF (ELFDATA2MSB) is not supported: ukify runs x86-64 programs');
  });

  it('a non-x86-64 ELF (e_machine patched to AArch64)', () => {
    expect(() => readElf(withBytes([[18, 183], [19, 0]]), 'arm')).toThrow('arm: not an x86-64 program (e_machine 183: AArch64): ukify runs x86-64 programs');
  });

  it('a file cut inside the ELF header', () => {
    expect(() => readElf(header.slice(0, 40), 'cut')).toThrow("cut: truncated: ELF header ends at 0x40 past the file's end (0x28)");
  });

  it('a section header table past the end of the file', () => {
    const elf = readElf(header);
    const b = new Uint8Array(header);
    new DataView(b.buffer).setUint16(60, 0xff00, true);
    const end = elf.header.shoff + 0xff00n * 64n;
    expect(() => readElf(b, 'big')).toThrow(`big: truncated: section header table ends at 0x${end.toString(16)} past the file's end (0x${b.length.toString(16)})`);
  });

  it('a symbol table whose size overflows the file', () => {
    const elf = readElf(header);
    const dynsym = findSection(elf, '.dynsym');
    if (dynsym === undefined) throw new Error('no .dynsym');
    const b = new Uint8Array(header);
    new DataView(b.buffer).setBigUint64(Number(elf.header.shoff) + dynsym.index * 64 + 32, 24n * 0x7ffffffffffffn, true);
    expect(() => readElf(b, 'sym')).toThrow(/^sym: truncated: \.dynsym ends at 0x[0-9a-f]+ past the file's end/);
  });

  it('a string table that does not terminate', () => {
    const elf = readElf(header);
    const dynstr = findSection(elf, '.dynstr');
    if (dynstr === undefined) throw new Error('no .dynstr');
    // Cut .dynstr one byte before the end of the last name a symbol uses: that name has no NUL.
    const bytes = sectionBytes(elf, dynstr);
    const lastName = Math.max(...elf.dynamicSymbols.map((s) => Buffer.from(bytes).indexOf(`${s.name}\0`)).filter((i) => i > 0));
    const name = Buffer.from(bytes.subarray(lastName)).toString('latin1').split('\0')[0] as string;
    const b = new Uint8Array(header);
    new DataView(b.buffer).setBigUint64(Number(elf.header.shoff) + dynstr.index * 64 + 32, BigInt(lastName + name.length), true);
    expect(() => readElf(b, 'str')).toThrow(/^str: .* is not NUL-terminated$/);
  });

  it('a GNU build-id is read from the notes (readelf -n agrees)', () => {
    const elf = readElf(header, fixture);
    const text = execFileSync('readelf', ['-n', fixture], { encoding: 'utf8' });
    expect(elf.buildId).toBe(/Build ID: ([0-9a-f]+)/.exec(text)?.[1]);
  });
});
