// Two independent decoders agree on where the syscall instructions are: iced-x86 (following control
// flow from each function's start, as the analyzer does) and capstone (a linear decode of the same
// function's bytes), function by function, for the fixtures and for the host's libc.so.6.
import { readFileSync } from 'node:fs';
import { Capstone, Const, loadCapstone } from 'capstone-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeFunction, Flow, type ReadData, RegionDecoder } from '../analyzer/code/decode.js';
import { executableRegions, readAtVaddr, readElf } from '../analyzer/elf/index.js';
import { functionBounds, rootAddresses } from '../analyzer/functions.js';
import { fixturePath, variants } from '../fixtures/index.js';

// capstone-wasm's heap is fixed at 16 MiB: larger inputs corrupt it silently.
const maxChunk = 32 * 1024;
const syscallMnemonics = new Set(['syscall', 'sysenter']);

function capstoneSites(cs: Capstone, bytes: Uint8Array, base: number): number[] {
  const out: number[] = [];
  let off = 0;
  while (off < bytes.length) {
    const chunk = bytes.subarray(off, Math.min(off + maxChunk, bytes.length));
    const insns = cs.disasm(chunk, { address: base + off });
    if (insns.length === 0) break; // invalid bytes: capstone stops, as a linear decoder must
    let end = off;
    for (const ins of insns) {
      const a = Number(ins.address);
      if (syscallMnemonics.has(ins.mnemonic) || (ins.mnemonic === 'int' && ins.opStr === '0x80')) out.push(a);
      end = a - base + ins.size;
    }
    if (end === off) break;
    // Stop at the first invalid instruction (capstone returned a short list before the chunk's end).
    if (end < off + chunk.length - 15) break;
    off = end;
  }
  return out;
}

function compare(path: string, cs: Capstone): { functions: number; sites: number; mismatches: string[] } {
  const elf = readElf(new Uint8Array(readFileSync(path)), path);
  const regions = executableRegions(elf).map((r) => ({ base: Number(r.vaddr), bytes: r.bytes }));
  const read: ReadData = (addr, size) => {
    const b = readAtVaddr(elf, BigInt(addr), size);
    if (b === undefined) return undefined;
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    return v;
  };
  const ranges = regions.map((r) => ({ start: r.base, end: r.base + r.bytes.length }));
  const mismatches: string[] = [];
  let functions = 0;
  let sites = 0;
  for (const region of regions) {
    const dec = new RegionDecoder(region);
    try {
      for (const f of functionBounds(elf, ranges, rootAddresses(elf))) {
        if (!f.trusted || f.start < region.base || f.end > region.base + region.bytes.length) continue;
        functions++;
        const fn = decodeFunction(dec, f.start, f.start, f.end, read, 'clean');
        const iced = fn.addrs.filter((_, i) => fn.flows[i] === Flow.Syscall || fn.flows[i] === Flow.Abi32);
        const cap = capstoneSites(cs, region.bytes.subarray(f.start - region.base, f.end - region.base), f.start);
        sites += iced.length;
        const a = iced.join(',');
        const b = cap.join(',');
        if (a !== b) mismatches.push(`${f.name}@0x${f.start.toString(16)}: iced [${a}] capstone [${b}]`);
      }
    } finally {
      dec.free();
    }
  }
  return { functions, sites, mismatches };
}

let cs: Capstone;
beforeAll(async () => {
  await loadCapstone();
  cs = new Capstone(Const.CS_ARCH_X86, Const.CS_MODE_64);
});

describe('iced-x86 and capstone agree on syscall sites', () => {
  for (const prog of ['hello', 'threads', 'signals'] as const) {
    for (const variant of variants) {
      it(`${prog}.${variant}`, () => {
        const r = compare(fixturePath(prog, variant), cs);
        expect(r.functions).toBeGreaterThan(0);
        expect(r.mismatches).toEqual([]);
      });
    }
  }
  it('libc.so.6', () => {
    const r = compare('/lib/x86_64-linux-gnu/libc.so.6', cs);
    process.stdout.write(`capstone libc.so.6: ${r.functions} functions, ${r.sites} sites, ${r.mismatches.length} mismatches\n`);
    expect(r.sites).toBeGreaterThan(300);
    expect(r.mismatches).toEqual([]);
  });
});
