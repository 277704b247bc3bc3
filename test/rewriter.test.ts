// The rewriter's patched copies, checked with tools that are not ours: capstone decodes every patched
// window and trampoline, binutils' readelf reads the new program headers, and the bytes outside the
// patches are compared with the original file. Every reachable site is patched or kept with a reason.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Capstone, Const, loadCapstone } from 'capstone-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Analysis, SyscallSite } from '../analyzer/analysis.js';
import { analyzeProgram } from '../analyzer/analyze.js';
import { type ElfFile, PT_LOAD, readElf, vaddrToOffset } from '../analyzer/elf/index.js';
import { fixturePath, variants } from '../fixtures/index.js';
import { identityWords } from '../rewriter/identity-page.js';
import { readBundleHeader } from '../packager/bundle.js';
import { rewriteProgram } from '../rewriter/rewrite-program.js';
import { runNative } from './helpers/native.js';
import { sameAsNative } from './helpers/same-as-native.js';
import { scratch } from './helpers/scratch.js';
import { runGuest } from './kernel-boot.js';

const work = scratch('rewriter');
const libc = '/lib/x86_64-linux-gnu/libc.so.6';

let cs: Capstone;
beforeAll(async () => {
  await loadCapstone();
  cs = new Capstone(Const.CS_ARCH_X86, Const.CS_MODE_64);
});

type Insn = { address: number; text: string; size: number };

function disasm(bytes: Uint8Array, address: bigint): Insn[] {
  return cs.disasm(bytes, { address }).map((i) => ({ address: Number(i.address), text: `${i.mnemonic} ${i.opStr}`.trim(), size: i.size }));
}

function at(elf: ElfFile, vaddr: number, length: number): Uint8Array {
  const offset = Number(vaddrToOffset(elf, BigInt(vaddr)));
  return elf.bytes.subarray(offset, offset + length);
}

const hex = (n: number | bigint): string => `0x${n.toString(16)}`;

/** What is wrong with one patched site of a rewritten object, checked by decoding both files. */
function checkPatchedSite(original: ElfFile, rewritten: ElfFile, site: SyscallSite): string[] {
  const w = site.window as { start: number; end: number };
  const problems: string[] = [];
  const before = disasm(at(original, w.start, w.end - w.start), BigInt(w.start));
  if (before.reduce((n, i) => n + i.size, 0) !== w.end - w.start) return [`${hex(site.address)}: the window is not whole instructions`];
  const patch = disasm(at(rewritten, w.start, w.end - w.start), BigInt(w.start));
  const jump = patch[0];
  if (jump === undefined || !jump.text.startsWith('jmp ')) return [`${hex(site.address)}: the window does not start with a jump (${jump?.text})`];
  if (patch.slice(1).some((i) => i.text !== 'int3')) problems.push(`${hex(site.address)}: the window's other bytes are not int3`);
  const trampoline = Number(jump.text.slice(4));
  const nr = site.nrs[0] as number;
  const words = identityWords(nr);
  const texts = (list: Insn[]): string[] => list.map((i) => i.text);
  const pre = texts(before.filter((i) => i.address < site.address));
  const post = texts(before.filter((i) => i.address > site.address));
  const back = `jmp ${hex(w.end)}`;
  const got = disasm(at(rewritten, trampoline, w.end - w.start + 64), BigInt(trampoline));
  let expected = [...pre, 'syscall', ...post, back];
  if (words !== undefined) {
    // The slow path starts after the fast path's jump back: jrcxz must go there.
    const slow = got[pre.length + 4 + post.length + 1]?.address ?? 0;
    expected = [
      ...pre, `movabs eax, dword ptr [${hex(words.valid)}]`, 'mov ecx, eax', `jrcxz ${hex(slow)}`, `movabs eax, dword ptr [${hex(words.value)}]`, ...post, back,
      `mov eax, ${hex(nr)}`, 'syscall', ...post, back,
    ];
  }
  const shown = texts(got.slice(0, expected.length));
  if (shown.join('\n') !== expected.join('\n')) problems.push(`${hex(site.address)}: trampoline\n  ${shown.join('; ')}\nwanted\n  ${expected.join('; ')}`);
  return problems;
}

/** Offsets of the original file's bytes the rewriter may change: its windows, the ELF header and the program header table. */
function changeable(original: ElfFile, sites: SyscallSite[]): (offset: number) => boolean {
  const ranges: [number, number][] = sites.map((s) => {
    const w = s.window as { start: number; end: number };
    const o = Number(vaddrToOffset(original, BigInt(w.start)));
    return [o, o + w.end - w.start];
  });
  const phoff = Number(original.header.phoff);
  ranges.push([phoff, phoff + original.programHeaders.length * 56], [0, 64]);
  return (offset) => ranges.some(([a, b]) => offset >= a && offset < b);
}

function checkObject(analysis: Analysis, path: string, bytes: Uint8Array | undefined, patchedSites: SyscallSite[]): string[] {
  const original = readElf(new Uint8Array(readFileSync(path)), path);
  if (bytes === undefined) return patchedSites.length === 0 ? [] : [`${path}: sites patched but no file written`];
  const rewritten = readElf(bytes, path);
  const problems = patchedSites.flatMap((s) => checkPatchedSite(original, rewritten, s));
  const mayChange = changeable(original, patchedSites);
  let changed = 0;
  for (let o = 0; o < original.bytes.length; o++) if (original.bytes[o] !== bytes[o] && !mayChange(o)) changed++;
  if (changed > 0) problems.push(`${path}: ${changed} bytes changed outside the patched windows`);
  const loads = (e: ElfFile) => e.programHeaders.filter((p) => p.type === PT_LOAD).length;
  if (loads(rewritten) !== loads(original) + 1) problems.push(`${path}: ${loads(rewritten)} PT_LOAD, wanted one more than ${loads(original)}`);
  void analysis;
  return problems;
}

async function rewriteChecked(program: string): Promise<{ analysis: Analysis; outcomes: ReturnType<typeof rewriteProgram>['outcomes'] }> {
  const analysis = await analyzeProgram(program, { cacheDir: join(work.dir, 'cache') });
  const rw = rewriteProgram(analysis, (p) => new Uint8Array(readFileSync(p)));
  // Every reachable site: patched, or kept with a reason.
  expect(rw.outcomes.length).toBe(analysis.sites.length);
  for (const o of rw.outcomes) expect(o.patched !== undefined || ('reason' in o && o.reason.length > 0), hex(o.site.address)).toBe(true);
  const objects = new Set(analysis.sites.map((s) => s.object));
  const problems: string[] = [];
  for (const path of objects) {
    const patched = rw.outcomes.filter((o) => o.site.object === path && o.patched !== undefined).map((o) => o.site);
    problems.push(...checkObject(analysis, path, rw.files.get(path), patched));
    const file = rw.files.get(path);
    if (file !== undefined) {
      // binutils reads the new headers without a complaint, and sees the trampolines' segment.
      const copy = join(work.dir, `copy-${objects.size}-${path.replaceAll('/', '_')}`);
      writeFileSync(copy, file);
      const r = spawnSync('readelf', ['-lW', copy], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/LOAD .* R E 0x1000/);
    }
  }
  expect(problems).toEqual([]);
  return { analysis, outcomes: rw.outcomes };
}

describe('rewriter: patched copies', () => {
  for (const variant of variants) {
    it(`identity.${variant}: every site patched or kept with why; the copies decode as intended`, async () => {
      const { outcomes } = await rewriteChecked(fixturePath('identity', variant));
      // The identity calls the fixture makes through libc's wrappers are answered in user space.
      expect(outcomes.filter((o) => o.patched === 'user-space').map((o) => o.site.nrs[0])).toEqual(expect.arrayContaining([39, 110, 186, 102]));
    });
    for (const prog of ['threads', 'signals'] as const) {
      it(`${prog}.${variant}: every site patched or kept with why; the copies decode as intended`, async () => {
        await rewriteChecked(fixturePath(prog, variant));
      });
    }
  }

  it('libc.so.6 (as a program): most of its sites are patched; the others say why', async () => {
    const { outcomes } = await rewriteChecked(libc);
    const inLibc = outcomes.filter((o) => o.site.object === libc);
    const patched = inLibc.filter((o) => o.patched !== undefined).length;
    process.stdout.write(`rewriter libc.so.6: ${patched} of ${inLibc.length} sites patched\n`);
    expect(inLibc.length).toBeGreaterThan(100);
    expect(patched / inLibc.length).toBeGreaterThan(0.9);
  });

  it('rt_sigreturn is never patched: unwinders match the signal trampoline by its bytes', async () => {
    const { outcomes } = await rewriteChecked(fixturePath('identity', 'glibc-dynamic'));
    const sigreturn = outcomes.filter((o) => o.site.nrs.length === 1 && o.site.nrs[0] === 15);
    expect(sigreturn.length).toBeGreaterThan(0);
    for (const o of sigreturn) expect(o.patched).toBeUndefined();
  });
});

describe('rewriter: deterministic images', () => {
  it('the same inputs give byte-identical images (a cold analysis and a warm one)', () => {
    const cli = join(process.cwd(), 'dist/cli/main.js');
    const build = (name: string, cache: string): Buffer => {
      const out = join(work.dir, name);
      const env = { ...process.env, SOURCE_DATE_EPOCH: '1700000000', XDG_CACHE_HOME: cache };
      const r = spawnSync(process.execPath, [cli, 'build', fixturePath('identity', 'glibc-dynamic'), '-o', out], { encoding: 'utf8', env });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/syscall sites: rewrote \d+ of \d+ \(\d+ answered in user space\)/);
      return readFileSync(out);
    };
    const cold = build('a.img', work.freshDir('cache'));
    const again = build('b.img', work.freshDir('cache'));
    const shared = work.freshDir('cache');
    build('c.img', shared);
    const warm = build('d.img', shared);
    expect(Buffer.compare(cold, again)).toBe(0);
    expect(Buffer.compare(cold, warm)).toBe(0);
  });
});

describe('rewriter: what the image carries', () => {
  it('the patched copy of libc, the program as it is (no site of its own), the host files unchanged', async () => {
    const program = fixturePath('identity', 'glibc-dynamic');
    const hostBefore = [readFileSync(program), readFileSync(libc)];
    const out = join(work.dir, 'carried.img');
    const r = spawnSync(process.execPath, [join(process.cwd(), 'dist/cli/main.js'), 'build', program, '-o', out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    // The initrd, cut out of the image with the offsets of kernel/IMAGE.md, read by GNU cpio.
    // The kernel's code holds the magic too: the bundle is where a whole header follows it.
    const image = readFileSync(out);
    let at = image.indexOf('UKIFYBN1');
    while (at >= 0 && !(readBundleHeader(image, at)?.version === 1 && readBundleHeader(image, at)?.headerSize === 64)) at = image.indexOf('UKIFYBN1', at + 1);
    const header = readBundleHeader(image, at);
    expect(header).toBeDefined();
    const start = at + Number(header?.initrdOffset);
    const initrd = image.subarray(start, start + Number(header?.initrdSize));
    const dir = work.freshDir('initrd');
    spawnSync('cpio', ['-i', '-d', '--quiet'], { cwd: dir, input: initrd });
    const analysis = await analyzeProgram(program, { cacheDir: join(work.dir, 'cache') });
    const rw = rewriteProgram(analysis, (p) => new Uint8Array(readFileSync(p)));
    const inImage = (guest: string): Buffer => readFileSync(join(dir, guest));
    // The dynamic program makes no syscall itself (libc does): it goes in as it is.
    expect(rw.files.has(analysis.binary)).toBe(false);
    expect(inImage('identity.glibc-dynamic').equals(hostBefore[0] as Buffer)).toBe(true);
    expect(inImage(libc.slice(1)).equals(Buffer.from(rw.files.get(libc) as Uint8Array))).toBe(true);
    expect(inImage(libc.slice(1)).equals(hostBefore[1] as Buffer)).toBe(false);
    expect(readFileSync(program).equals(hostBefore[0] as Buffer)).toBe(true);
    expect(readFileSync(libc).equals(hostBefore[1] as Buffer)).toBe(true);
  });
});

describe('rewriter: the identity calls in the guest', () => {
  // libc's wrappers (patched: answered from the identity page) against syscall() (never patched), in
  // the first process, a thread, a forked child, a reparented grandchild, after setuid, after vfork and
  // after execve: the same lines as natively.
  for (const variant of variants) {
    it(`identity.${variant}, rewritten: as natively`, async () => {
      await sameAsNative('identity', variant);
    });
  }
  it('identity.glibc-dynamic with --no-rewrite: as natively', async () => {
    const path = fixturePath('identity', 'glibc-dynamic');
    const guest = await runGuest(path, { rewrite: false });
    expect(guest.stdout).toBe(runNative(path).stdout);
    expect(guest.exit).toBe(0);
  });
});
