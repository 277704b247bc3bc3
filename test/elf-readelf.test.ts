// Differential test: everything readElf reports is compared with what binutils' readelf prints for
// the same file (fixtures, our own small programs, and real Debian binaries).
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { executableRegions, readElf, type ElfFile, type ElfSymbol, type Relocation } from '../analyzer/elf/index.js';
import { buildOwnPrograms, elfTestDir, fixtureBinaries, readelf, realBinaries } from './elf-support.js';

// --- readelf output parsers (written for this test, from readelf -W's documented layout) ---

const hexBig = (s: string): bigint => BigInt(s.startsWith('0x') ? s : `0x${s}`);

function parseHeaderOutput(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s+([^:]+):\s+(.*)$/.exec(line);
    if (m !== null && !fields.has(m[1] as string)) fields.set(m[1] as string, (m[2] as string).trim());
  }
  // "Version" appears twice (e_ident's and e_version): keep the second, the e_version one.
  const versions = [...text.matchAll(/^\s+Version:\s+(.*)$/gm)].map((m) => m[1] as string);
  fields.set('Version', (versions[1] ?? '').trim());
  return fields;
}

interface PhLine {
  type: string;
  offset: bigint;
  vaddr: bigint;
  paddr: bigint;
  filesz: bigint;
  memsz: bigint;
  flags: string;
  align: bigint;
}

function parseSegmentsOutput(text: string): PhLine[] {
  const out: PhLine[] = [];
  const re = /^\s+(\S+)\s+(0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) (0x[0-9a-f]+) ([R ][W ][E ]) (0x[0-9a-f]+)$/;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m === null) continue;
    out.push({
      type: m[1] as string, offset: hexBig(m[2] as string), vaddr: hexBig(m[3] as string), paddr: hexBig(m[4] as string),
      filesz: hexBig(m[5] as string), memsz: hexBig(m[6] as string), flags: m[7] as string, align: hexBig(m[8] as string),
    });
  }
  return out;
}

interface ShLine {
  index: number;
  name: string;
  type: string;
  addr: bigint;
  offset: bigint;
  size: bigint;
  entsize: bigint;
  flags: string;
  link: number;
  info: number;
  align: bigint;
}

function parseSectionsOutput(text: string): ShLine[] {
  const out: ShLine[] = [];
  const re = /^\s+\[\s*(\d+)\] (.*?)\s+(\S+)\s+([0-9a-f]{16}) ([0-9a-f]+) ([0-9a-f]+) ([0-9a-f]+) ([A-Za-z ]{3,}?)\s*(\d+)\s+(\d+)\s+(\d+)$/;
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m === null) continue;
    out.push({
      index: Number(m[1]), name: (m[2] as string).trim(), type: m[3] as string, addr: hexBig(m[4] as string),
      offset: hexBig(m[5] as string), size: hexBig(m[6] as string), entsize: hexBig(m[7] as string),
      flags: (m[8] as string).replace(/ /g, ''), link: Number(m[9]), info: Number(m[10]), align: BigInt(m[11] as string),
    });
  }
  return out;
}

interface DynLine {
  tag: bigint;
  name: string;
  value: string;
}

function parseDynamicOutput(text: string): DynLine[] {
  const out: DynLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s+(0x[0-9a-f]{16}) \((\S+)\)\s+(.*)$/.exec(line);
    if (m !== null) out.push({ tag: hexBig(m[1] as string), name: m[2] as string, value: (m[3] as string).trim() });
  }
  return out;
}

interface SymLine {
  index: number;
  value: bigint;
  size: bigint;
  type: string;
  bind: string;
  vis: string;
  ndx: string;
  name: string;
}

/** Symbol tables by name ('.symtab', '.dynsym'), with the entry count readelf announces. */
function parseSymbolsOutput(text: string): Map<string, { count: number; symbols: SymLine[] }> {
  const tables = new Map<string, { count: number; symbols: SymLine[] }>();
  let current: SymLine[] | undefined;
  for (const line of text.split('\n')) {
    const head = /^Symbol table '([^']+)' contains (\d+) entr/.exec(line);
    if (head !== null) {
      current = [];
      tables.set(head[1] as string, { count: Number(head[2]), symbols: current });
      continue;
    }
    const m = /^\s*(\d+): ([0-9a-f]{16})\s+(\S+) (\S+)\s+(\S+)\s+(\S+)\s+(\S+) ?(.*)$/.exec(line);
    if (m === null || current === undefined) continue;
    const size = m[3] as string;
    current.push({
      index: Number(m[1]), value: hexBig(m[2] as string), size: size.startsWith('0x') ? hexBig(size) : BigInt(size),
      type: m[4] as string, bind: m[5] as string, vis: m[6] as string, ndx: m[7] as string, name: m[8] as string,
    });
  }
  return tables;
}

interface RelLine {
  offset: bigint;
  info: bigint;
  type: string;
  symbol: string;
  addend: bigint;
  /** From a RELR table: readelf prints no addend (it is the slot's content). */
  packed?: boolean;
}

function parseRelocationsOutput(text: string): Map<string, { count: number; relocs: RelLine[] }> {
  const sections = new Map<string, { count: number; relocs: RelLine[] }>();
  let current: RelLine[] | undefined;
  for (const line of text.split('\n')) {
    const head = /^Relocation section '([^']+)' at offset 0x[0-9a-f]+ contains (\d+) entr/.exec(line);
    if (head !== null) {
      current = [];
      sections.set(head[1] as string, { count: Number(head[2]), relocs: current });
      continue;
    }
    // A RELR section: "N offsets", then one address per line (each a RELATIVE relocation).
    const relrCount = /^\s+(\d+) offsets$/.exec(line);
    const relrLine = /^([0-9a-f]{16})$/.exec(line);
    if (relrCount !== null && current !== undefined) {
      const last = [...sections.values()].at(-1);
      if (last !== undefined) last.count = Number(relrCount[1]);
    }
    if (relrLine !== null && current !== undefined) {
      current.push({ offset: hexBig(relrLine[1] as string), info: 8n, type: 'R_X86_64_RELATIVE', symbol: '', addend: 0n, packed: true });
      continue;
    }
    const m = /^([0-9a-f]{16})\s+([0-9a-f]{16}) (\S+)\s+(.*)$/.exec(line);
    if (m === null || current === undefined) continue;
    const rest = (m[4] as string).trim();
    const withSym = /^[0-9a-f]{16} (.*) ([+-]) ([0-9a-f]+)$/.exec(rest);
    const plain = /^(-?)([0-9a-f]+)$/.exec(rest);
    let symbol = '';
    let addend = 0n;
    if (withSym !== null) {
      symbol = withSym[1] as string;
      addend = (withSym[2] === '-' ? -1n : 1n) * hexBig(withSym[3] as string);
    } else if (plain !== null) {
      addend = (plain[1] === '-' ? -1n : 1n) * hexBig(plain[2] as string);
    }
    current.push({ offset: hexBig(m[1] as string), info: hexBig(m[2] as string), type: m[3] as string, symbol, addend });
  }
  return sections;
}

/** FDE pc ranges from the .eh_frame part of `readelf --debug-dump=frames`. */
function parseFramesOutput(text: string): { start: bigint; end: bigint }[] {
  const out: { start: bigint; end: bigint }[] = [];
  let inEhFrame = false;
  for (const line of text.split('\n')) {
    const section = /^Contents of the (\S+) section:/.exec(line);
    if (section !== null) inEhFrame = section[1] === '.eh_frame';
    const m = /^[0-9a-f]+ [0-9a-f]+ [0-9a-f]+ FDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)$/.exec(line);
    if (m !== null && inEhFrame) out.push({ start: hexBig(m[1] as string), end: hexBig(m[2] as string) });
  }
  return out;
}

// --- how readelf names our numbers (from the ELF and x86-64 specifications) ---

const PT_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'LOAD', 2: 'DYNAMIC', 3: 'INTERP', 4: 'NOTE', 5: 'SHLIB', 6: 'PHDR', 7: 'TLS',
  0x6474e550: 'GNU_EH_FRAME', 0x6474e551: 'GNU_STACK', 0x6474e552: 'GNU_RELRO', 0x6474e553: 'GNU_PROPERTY',
};
const SHT_NAMES: Record<number, string> = {
  0: 'NULL', 1: 'PROGBITS', 2: 'SYMTAB', 3: 'STRTAB', 4: 'RELA', 5: 'HASH', 6: 'DYNAMIC', 7: 'NOTE', 8: 'NOBITS',
  9: 'REL', 11: 'DYNSYM', 19: 'RELR', 14: 'INIT_ARRAY', 15: 'FINI_ARRAY', 16: 'PREINIT_ARRAY', 17: 'GROUP', 18: 'SYMTAB SECTION INDICES',
  0x6ffffff6: 'GNU_HASH', 0x6ffffffd: 'VERDEF', 0x6ffffffe: 'VERNEED', 0x6fffffff: 'VERSYM', 0x70000001: 'X86_64_UNWIND',
};
const SHF_LETTERS: [bigint, string][] = [
  [0x1n, 'W'], [0x2n, 'A'], [0x4n, 'X'], [0x10n, 'M'], [0x20n, 'S'], [0x40n, 'I'], [0x80n, 'L'], [0x100n, 'O'],
  [0x200n, 'G'], [0x400n, 'T'], [0x800n, 'C'], [0x10000000n, 'l'], [0x80000000n, 'E'], [0x200000n, 'R'],
];
const STT = ['NOTYPE', 'OBJECT', 'FUNC', 'SECTION', 'FILE', 'COMMON', 'TLS', '7', '8', '9', 'IFUNC'];
const STB = ['LOCAL', 'GLOBAL', 'WEAK', '3', '4', '5', '6', '7', '8', '9', 'UNIQUE'];
const STV = ['DEFAULT', 'INTERNAL', 'HIDDEN', 'PROTECTED'];
const ET = ['NONE', 'REL', 'EXEC', 'DYN', 'CORE'];

const sortChars = (s: string): string => [...s].sort().join('');
/** readelf names SHF_GNU_RETAIN 'R' only for the GNU and FreeBSD OS ABIs; otherwise it is an OS-specific bit, 'o' (strip resets the ABI to System V). */
const flagLetters = (flags: bigint, osabi: number): string => {
  const letters = SHF_LETTERS.filter(([bit]) => (flags & bit) !== 0n).map(([bit, l]) => (bit === 0x200000n && osabi !== 3 && osabi !== 9 ? 'o' : l));
  return sortChars(letters.join(''));
};
const phFlags = (f: number): string => `${f & 4 ? 'R' : ' '}${f & 2 ? 'W' : ' '}${f & 1 ? 'E' : ' '}`;

function ndxText(shndx: number): string {
  if (shndx === 0) return 'UND';
  if (shndx === 0xfff1) return 'ABS';
  if (shndx === 0xfff2) return 'COM';
  return String(shndx);
}

function symbolText(elf: ElfFile, sym: ElfSymbol, dynamic: boolean): string {
  if (sym.type === 3 && sym.name === '') return elf.sections[sym.shndx]?.name ?? '';
  if (!dynamic || sym.version === undefined) return sym.name;
  // The absolute symbol a linker emits for each version definition is shown bare.
  if (sym.shndx === 0xfff1 && sym.name === sym.version && sym.versionNeeded !== true) return sym.name;
  if (sym.versionNeeded === true) return `${sym.name}@${sym.version}`; // readelf adds " (n)": stripped before comparing
  return `${sym.name}${sym.versionHidden === true ? '@' : '@@'}${sym.version}`;
}

/** The symbol as readelf -r names it: through the symbol table the relocation section links to. */
function relocationSymbolText(elf: ElfFile, rel: Relocation): string {
  const section = elf.sections.find((s) => s.name === rel.section);
  const dynamic = section === undefined || elf.sections[section.link]?.type === 11;
  const sym = (dynamic ? elf.dynamicSymbols : elf.symbols)[rel.symbolIndex] as ElfSymbol;
  expect(sym.name).toBe(rel.symbolName);
  return symbolText(elf, sym, dynamic);
}

// --- the comparison, per file ---

function compareWithReadelf(file: string): void {
  const elf = readElf(readFileSync(file), file);

  const h = parseHeaderOutput(readelf(['-h'], file));
  expect(ET[elf.header.type]).toBe(h.get('Type')?.split(' ')[0]);
  expect(h.get('Machine')).toBe('Advanced Micro Devices X86-64');
  expect(`0x${elf.header.version.toString(16)}`).toBe(h.get('Version'));
  expect(`0x${elf.header.entry.toString(16)}`).toBe(h.get('Entry point address'));
  expect(`${elf.header.phoff} (bytes into file)`).toBe(h.get('Start of program headers'));
  expect(`${elf.header.shoff} (bytes into file)`).toBe(h.get('Start of section headers'));
  expect(`0x${elf.header.flags.toString(16)}`).toBe(h.get('Flags'));
  expect(`${elf.header.ehsize} (bytes)`).toBe(h.get('Size of this header'));
  expect(`${elf.header.phentsize} (bytes)`).toBe(h.get('Size of program headers'));
  expect(String(elf.header.phnum)).toBe(h.get('Number of program headers'));
  expect(`${elf.header.shentsize} (bytes)`).toBe(h.get('Size of section headers'));
  expect(String(elf.header.shnum)).toBe(h.get('Number of section headers'));
  expect(String(elf.header.shstrndx)).toBe(h.get('Section header string table index'));
  expect(String(elf.header.abiversion)).toBe(h.get('ABI Version'));

  const lText = readelf(['-l'], file);
  const phs = parseSegmentsOutput(lText);
  expect(elf.programHeaders.length).toBe(phs.length);
  elf.programHeaders.forEach((p, i) => {
    const r = phs[i] as PhLine;
    expect({ ...p, index: undefined, type: PT_NAMES[p.type], flags: phFlags(p.flags) }).toEqual({ ...r, index: undefined });
  });
  expect(elf.interpreter).toBe(/\[Requesting program interpreter: (.*)\]/.exec(lText)?.[1]);

  const shs = parseSectionsOutput(readelf(['-S'], file));
  expect(elf.sections.length).toBe(shs.length);
  elf.sections.forEach((s, i) => {
    const r = shs[i] as ShLine;
    expect({
      index: s.index, name: s.name, type: SHT_NAMES[s.type], addr: s.addr, offset: s.offset, size: s.size,
      entsize: s.entsize, flags: flagLetters(s.flags, elf.header.osabi), link: s.link, info: s.info, align: s.addralign,
    }).toEqual({ ...r, flags: sortChars(r.flags) });
  });

  const dyn = parseDynamicOutput(readelf(['-d'], file)).filter((d) => d.tag !== 0n);
  expect(elf.dynamic?.entries.length ?? 0).toBe(dyn.length);
  dyn.forEach((d, i) => {
    const e = elf.dynamic?.entries[i];
    expect(e?.tag).toBe(d.tag);
    if (/^0x[0-9a-f]+$/.test(d.value)) expect(e?.value).toBe(hexBig(d.value));
    const bytes = /^(\d+) \(bytes\)$/.exec(d.value);
    if (bytes !== null) expect(e?.value).toBe(BigInt(bytes[1] as string));
  });
  const bracketed = (name: string): string[] => dyn.filter((d) => d.name === name).map((d) => /\[(.*)\]$/.exec(d.value)?.[1] ?? '?');
  expect(elf.dynamic?.needed ?? []).toEqual(bracketed('NEEDED'));
  expect(elf.dynamic?.soname).toBe(bracketed('SONAME')[0]);
  expect(elf.dynamic?.runpath).toBe(bracketed('RUNPATH')[0]);
  expect(elf.dynamic?.rpath).toBe(bracketed('RPATH')[0]);

  const tables = parseSymbolsOutput(readelf(['-s', '--dyn-syms'], file));
  for (const [name, ours, dynamic] of [['.symtab', elf.symbols, false], ['.dynsym', elf.dynamicSymbols, true]] as const) {
    const theirs = tables.get(name);
    expect(ours.length, `${name} count`).toBe(theirs?.count ?? 0);
    expect(theirs?.symbols.length ?? 0).toBe(theirs?.count ?? 0);
    ours.forEach((s, i) => {
      const r = theirs?.symbols[i] as SymLine;
      expect({
        index: s.index, value: s.value, size: s.size, type: STT[s.type], bind: STB[s.bind], vis: STV[s.visibility],
        ndx: ndxText(s.shndx), name: symbolText(elf, s, dynamic),
      }).toEqual({ ...r, name: r.name.replace(/ \(\d+\)$/, '') });
    });
  }

  const relocs = parseRelocationsOutput(readelf(['-r'], file));
  const bySection = new Map<string, Relocation[]>();
  for (const rel of elf.relocations) bySection.set(rel.section, [...(bySection.get(rel.section) ?? []), rel]);
  expect([...bySection.keys()].sort()).toEqual([...relocs.keys()].filter((k) => (relocs.get(k)?.count ?? 0) > 0).sort());
  for (const [section, { count, relocs: lines }] of relocs) {
    const ours = bySection.get(section) ?? [];
    expect(ours.length, `${section} count`).toBe(count);
    ours.forEach((rel, i) => {
      const r = lines[i] as RelLine;
      const symbol = rel.symbolName === undefined ? '' : relocationSymbolText(elf, rel);
      const mine = { offset: rel.offset, info: (BigInt(rel.symbolIndex) << 32n) | BigInt(rel.type), type: rel.typeName, symbol, addend: rel.addend };
      if (r.packed === true) expect({ ...mine, addend: 0n, packed: true }).toEqual(r);
      else expect(mine).toEqual(r);
    });
  }
}

const own: string[] = [];
beforeAll(() => {
  own.push(...buildOwnPrograms());
});

describe('readElf agrees with readelf -W', () => {
  it('on our own programs (static, static-pie, dynamic, musl, object file, versioned library, RUNPATH, RPATH)', () => {
    expect(own.length).toBeGreaterThan(0);
    for (const file of own) compareWithReadelf(file);
  });

  // One test a fixture: together they take tens of seconds of synchronous readelf runs, which in
  // one test stall vitest's worker past its RPC timeout (test/helpers/run-async.ts).
  const fixtures = fixtureBinaries();
  it('on the fixtures: there are some', () => {
    // The global setup builds the fixtures; without them this says so rather than pass empty.
    expect(fixtures.length, 'build/fixtures is empty: run make -C fixtures').toBeGreaterThan(0);
  });
  for (const file of fixtures) {
    it(`on the fixture ${basename(file)}`, () => compareWithReadelf(file));
  }

  for (const file of realBinaries) {
    it(`on ${basename(file)}`, () => compareWithReadelf(file));
  }
});

describe('FDE ranges agree with readelf --debug-dump=frames', () => {
  const cases = () => [
    ...own.filter((f) => !f.endsWith('.o')),
    '/usr/sbin/nginx',
    '/bin/busybox',
  ];
  it('for our programs, nginx and busybox', () => {
    for (const file of cases()) {
      const elf = readElf(readFileSync(file), file);
      const theirs = parseFramesOutput(readelf(['--debug-dump=frames'], file));
      const key = (r: { start: bigint; end: bigint }): string => `${r.start.toString(16)}..${r.end.toString(16)}`;
      expect(theirs.length, file).toBeGreaterThan(0);
      expect(elf.fdes.map(key).sort(), file).toEqual(theirs.map(key).sort());
    }
  });

  it('cover the .symtab function starts of a static program', () => {
    const file = own.find((f) => f.endsWith('hello.glibc-static')) as string;
    const elf = readElf(readFileSync(file), file);
    const starts = new Set(elf.fdes.map((f) => f.start));
    const main = elf.symbols.find((s) => s.name === 'main' && s.type === 2);
    expect(main).toBeDefined();
    expect(starts.has(main?.value ?? -1n)).toBe(true);
  });
});

/** The 64-bit little-endian words of `readelf -x NAME`'s hex dump. */
function hexDumpWords(text: string): bigint[] {
  const hex = [...text.matchAll(/^\s+0x[0-9a-f]+ ((?:[0-9a-f]{2,8} ?){1,4})/gm)].map((m) => (m[1] as string).replace(/ /g, '')).join('');
  const words: bigint[] = [];
  for (let i = 0; i + 16 <= hex.length; i += 16) {
    const bytes = hex.slice(i, i + 16).match(/../g) as string[];
    words.push(BigInt(`0x${bytes.reverse().join('')}`));
  }
  return words;
}

describe('dynamic initializer arrays', () => {
  it('match the link-time contents readelf -x dumps, and name functions in .symtab', () => {
    const files = [...own, ...fixtureBinaries(), ...realBinaries].filter((f) => !f.endsWith('.o'));
    let checked = 0;
    for (const file of files) {
      const elf = readElf(readFileSync(file), file);
      if (elf.dynamic === undefined) continue;
      for (const [section, values] of [['.init_array', elf.dynamic.initArray], ['.fini_array', elf.dynamic.finiArray]] as const) {
        if (!elf.sections.some((s) => s.name === section)) continue;
        expect(values, `${file} ${section}`).toEqual(hexDumpWords(readelf(['-x', section], file)));
        const functions = new Set(elf.symbols.filter((s) => s.type === 2).map((s) => s.value));
        if (functions.size > 0) for (const v of values) expect(functions.has(v), `${file} ${section} 0x${v.toString(16)}`).toBe(true);
        checked += values.length;
      }
    }
    expect(checked).toBeGreaterThan(10);
  });
});

describe('FDE ranges without .eh_frame_hdr', () => {
  it('are found by walking .eh_frame (hdr section renamed, PT_GNU_EH_FRAME nulled)', () => {
    const file = own.find((f) => f.endsWith('hello.glibc-dynamic')) as string;
    const bytes = new Uint8Array(readFileSync(file));
    const elf = readElf(bytes, file);
    const shstrtab = elf.sections[elf.header.shstrndx];
    const hdrSection = elf.sections.find((s) => s.name === '.eh_frame_hdr');
    const hdrSegment = elf.programHeaders.find((p) => p.type === 0x6474e550);
    if (shstrtab === undefined || hdrSection === undefined || hdrSegment === undefined) throw new Error('no .eh_frame_hdr to hide');
    const names = Buffer.from(bytes.buffer, Number(shstrtab.offset), Number(shstrtab.size));
    const at = names.indexOf('.eh_frame_hdr\0');
    names.write('X', at + '.eh_frame_hd'.length, 'latin1');
    new DataView(bytes.buffer).setUint32(Number(elf.header.phoff) + hdrSegment.index * 56, 0, true);
    const path = join(elfTestDir, 'hello.no-eh-frame-hdr');
    writeFileSync(path, bytes);

    const walked = readElf(bytes, path);
    expect(walked.sections.some((s) => s.name === '.eh_frame_hdr')).toBe(false);
    expect(walked.programHeaders.some((p) => p.type === 0x6474e550)).toBe(false);
    const key = (r: { start: bigint; end: bigint }): string => `${r.start.toString(16)}..${r.end.toString(16)}`;
    const theirs = parseFramesOutput(readelf(['--debug-dump=frames'], path)).map(key).sort();
    expect(theirs.length).toBeGreaterThan(1);
    expect(walked.fdes.map(key).sort()).toEqual(theirs);
    expect(walked.fdes).toEqual(elf.fdes);
  });
});


describe('files without section headers (e_shoff, e_shnum, e_shstrndx zeroed)', () => {
  const unversioned = (s: ElfSymbol): ElfSymbol => ({ ...s, version: undefined, versionHidden: undefined, versionNeeded: undefined });
  const order = (a: Relocation, b: Relocation): number =>
    a.section < b.section ? -1 : a.section > b.section ? 1 : a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0;

  for (const name of ['hello.glibc-dynamic', 'nginx', 'libc.so.6']) {
    it(`${name}: the loader's view (dynamic symbols, relocations, FDEs, code) equals the sectioned parse`, () => {
      const file = [...own, ...realBinaries].find((f) => basename(f) === name) as string;
      const bytes = new Uint8Array(readFileSync(file));
      const full = readElf(bytes, file);
      const stripped = new Uint8Array(bytes);
      const view = new DataView(stripped.buffer);
      view.setBigUint64(40, 0n, true);
      view.setUint16(60, 0, true);
      view.setUint16(62, 0, true);
      const bare = readElf(stripped, file);

      expect(bare.sections).toEqual([]);
      expect(bare.symbols).toEqual([]);
      expect(bare.dynamicSymbols.length).toBeGreaterThan(0);
      expect(bare.dynamicSymbols.map(unversioned)).toEqual(full.dynamicSymbols.map(unversioned));
      expect(bare.relocations.length).toBeGreaterThan(0);
      // toEqual treats an undefined property as absent: versions are the one thing the bare file lacks.
      expect([...bare.relocations].sort(order)).toEqual([...full.relocations].map((r) => ({ ...r, symbolVersion: undefined })).sort(order));
      expect(bare.dynamic).toEqual(full.dynamic);
      expect(bare.fdes).toEqual(full.fdes);
      expect(bare.notes).toEqual(full.notes);
      expect(bare.interpreter).toBe(full.interpreter);
      // Code regions fall back to the executable segments, which contain every executable section.
      const regions = executableRegions(bare);
      expect(regions.every((r) => r.name.startsWith('segment '))).toBe(true);
      for (const s of executableRegions(full)) {
        const seg = regions.find((r) => r.vaddr <= s.vaddr && s.vaddr + BigInt(s.bytes.length) <= r.vaddr + BigInt(r.bytes.length));
        expect(seg, s.name).toBeDefined();
        const from = Number(s.vaddr - (seg?.vaddr ?? 0n));
        expect(Buffer.from(seg?.bytes.subarray(from, from + s.bytes.length) ?? []).equals(Buffer.from(s.bytes))).toBe(true);
      }
    });
  }
});
