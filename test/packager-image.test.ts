// Image assembly checked with binutils: a small kernel-shaped ELF (boot code at 1 MiB, the rest in
// the higher half, a u64 ukify_bundle_paddr in .data) is linked at test time; the image must have
// one more PT_LOAD at a 2 MiB-aligned physical address above the kernel holding the bundle, and the
// variable must hold that address — as readelf and objcopy see them, not as our reader does.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readElf } from '../analyzer/elf/index.js';
import { buildBundle } from '../packager/bundle.js';
import { assembleImage, KernelError } from '../packager/image.js';
import { inspectImage } from '../packager/inspect.js';
import { fakeKernelSource, linkFakeKernel } from './packager-fake-kernel.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Load {
  offset: number;
  vaddr: bigint;
  paddr: bigint;
  filesz: number;
  memsz: number;
  flags: string;
}

function readelfLoads(path: string): Load[] {
  const text = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' });
  return [...text.matchAll(/^\s*LOAD\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+([RWE ]+?)\s+0x/gm)].map((m) => ({
    offset: Number(m[1]), vaddr: BigInt(m[2] ?? 0), paddr: BigInt(m[3] ?? 0), filesz: Number(m[4]), memsz: Number(m[5]), flags: (m[6] ?? '').replace(/\s/g, ''),
  }));
}

describe('image assembly', () => {
  const kernelPath = linkFakeKernel(work, 'kernel', fakeKernelSource);
  const kernelBytes = readFileSync(kernelPath);
  const bundle = buildBundle({ initrd: new Uint8Array(10_000).fill(7), args: ['/app', 'x'], env: ['K=V'] });
  const imagePath = join(work, 'app.img');
  writeFileSync(imagePath, assembleImage(readElf(kernelBytes, kernelPath), bundle));
  const image = readFileSync(imagePath);

  it('appends one read-only PT_LOAD at a 2 MiB-aligned physical address above the kernel', () => {
    const before = readelfLoads(kernelPath);
    const after = readelfLoads(imagePath);
    expect(after).toHaveLength(before.length + 1);
    const kernelEnd = before.reduce((e, l) => (l.paddr + BigInt(l.memsz) > e ? l.paddr + BigInt(l.memsz) : e), 0n);
    const added = after.find((l) => !before.some((b) => b.paddr === l.paddr));
    expect(added).toBeDefined();
    if (added === undefined) return;
    expect(added.paddr % 0x200000n).toBe(0n);
    expect(added.paddr).toBeGreaterThanOrEqual(kernelEnd);
    expect(added.paddr - kernelEnd).toBeLessThan(0x200000n);
    expect(added.flags).toBe('R');
    // Same virtual-physical offset as the kernel's higher-half segments.
    expect(added.vaddr - added.paddr).toBe(0xffffffff80000000n);
    expect(added.filesz).toBeGreaterThanOrEqual(bundle.length);
    expect(image.subarray(added.offset, added.offset + bundle.length)).toEqual(Buffer.from(bundle));
    // The kernel's own segments are where they were.
    for (const b of before) expect(after).toContainEqual(b);
  });

  it('sets ukify_bundle_paddr to that address, leaving its neighbours alone', () => {
    const syms = execFileSync('readelf', ['-sW', imagePath], { encoding: 'utf8' });
    expect(syms).toMatch(/\s8 OBJECT\s+GLOBAL\s+DEFAULT\s+\d+ ukify_bundle_paddr$/m);
    const data = join(work, 'data.bin');
    execFileSync('objcopy', ['-O', 'binary', '-j', '.data', imagePath, data]);
    const bytes = readFileSync(data);
    const added = readelfLoads(imagePath).find((l) => l.flags === 'R' && l.paddr >= 0x200000n);
    expect(bytes.readBigUInt64LE(0)).toBe(0x1111111111111111n);
    expect(bytes.readBigUInt64LE(8)).toBe(added?.paddr);
    expect(bytes.readBigUInt64LE(16)).toBe(0x2222222222222222n);
  });

  it('is recognized as an image; the kernel alone is not', () => {
    expect(inspectImage(image)).toMatchObject({ bundlePaddr: readelfLoads(imagePath).at(-1)?.paddr });
    expect(inspectImage(kernelBytes)).toBeUndefined();
    expect(inspectImage(new TextEncoder().encode('UKIFYBN1 but no ELF'))).toBeUndefined();
  });

  it('refuses a kernel without the variable, in one clear error', () => {
    const bare = linkFakeKernel(work, 'bare', fakeKernelSource.replace(/ukify_bundle_paddr/g, 'other_name'));
    expect(() => assembleImage(readElf(readFileSync(bare), bare), bundle)).toThrow(KernelError);
    expect(() => assembleImage(readElf(readFileSync(bare), bare), bundle)).toThrow(/no 'ukify_bundle_paddr' symbol/);
  });
});
