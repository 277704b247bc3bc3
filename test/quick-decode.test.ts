// The table decoder (analyzer/code/quick-decode.ts) against iced-x86, field by field, on every
// instruction it claims: random encodings built around every opcode (with prefixes, REX and random
// ModRM, SIB, displacement and immediate bytes), and the code of real programs decoded linearly. It
// must never answer differently; what it does not claim goes to iced-x86 anyway. On real code it must
// also claim most instructions: else the analysis pays iced-x86's price again without a failure.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RegionDecoder } from '../analyzer/code/decode.js';
import { quickDecode, type QuickResult } from '../analyzer/code/quick-decode.js';
import { executableRegions, readElf } from '../analyzer/elf/index.js';

const fields = ['len', 'flow', 'target', 'ref', 'cmpImm', 'ipRel'] as const;

function differs(a: QuickResult, b: QuickResult): string | undefined {
  const bad = fields.filter((f) => !Object.is(a[f], b[f]));
  return bad.length === 0 ? undefined : bad.map((f) => `${f}: quick ${String(a[f])}, iced ${String(b[f])}`).join('; ');
}

const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');

/** Every instruction of `bytes` at `base` that quickDecode claims, checked against iced-x86. */
function compareAt(bytes: Uint8Array, base: number, starts: Iterable<number>, reference: RegionDecoder): { claimed: number; mismatches: string[] } {
  const quick: QuickResult = { len: 0, flow: 0, target: NaN, ref: NaN, cmpImm: NaN, ipRel: false };
  let claimed = 0;
  const mismatches: string[] = [];
  for (const at of starts) {
    if (!quickDecode(bytes, at, base + at, quick)) continue;
    claimed++;
    reference.decode(base + at);
    const d = differs(quick, reference);
    if (d !== undefined && mismatches.length < 20) mismatches.push(`${hex(bytes.subarray(at, at + 15))}: ${d}`);
  }
  return { claimed, mismatches };
}

/** A seeded generator (the same encodings on every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s >>> 8;
  };
}

const prefixes = [0x66, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36, 0xf0, 0x67];

describe('quick decoder', () => {
  it('agrees with iced-x86 on random encodings of every one- and two-byte opcode', () => {
    const next = random(1);
    const slot = 16;
    const perOpcode = 400;
    const count = 2 * 256 * perOpcode;
    const bytes = new Uint8Array(count * slot);
    for (let i = 0; i < count; i++) {
      let p = i * slot;
      for (let k = next() % 4; k > 0; k--) bytes[p++] = prefixes[next() % prefixes.length];
      if (next() % 2 === 0) bytes[p++] = 0x40 | next() % 16;
      // Half the slots in the 0F map, each opcode in turn.
      if (i >= count / 2) bytes[p++] = 0x0f;
      bytes[p++] = Math.floor(i / perOpcode) % 256;
      while (p < (i + 1) * slot) bytes[p++] = next() & 0xff;
    }
    const base = 0x7f0000000000;
    const reference = new RegionDecoder({ base, bytes }, false);
    try {
      const { claimed, mismatches } = compareAt(bytes, base, Array.from({ length: count }, (_, i) => i * slot), reference);
      expect(mismatches).toEqual([]);
      // The tables cover a good part of the opcode space (else this test checks little).
      expect(claimed).toBeGreaterThan(count / 4);
    } finally {
      reference.free();
    }
  });

  it.each(['/lib/x86_64-linux-gnu/libc.so.6', '/usr/sbin/nginx', '/bin/busybox', '/usr/bin/python3.11'])('agrees with iced-x86 on every instruction of %s, and claims most', (path) => {
    const elf = readElf(new Uint8Array(readFileSync(path)), path);
    let total = 0;
    let claimed = 0;
    const mismatches: string[] = [];
    for (const r of executableRegions(elf)) {
      const base = Number(r.vaddr);
      const reference = new RegionDecoder({ base, bytes: r.bytes }, false);
      try {
        // A linear sweep, as iced-x86 reads the code.
        const starts: number[] = [];
        for (let at = 0; at < r.bytes.length; ) {
          starts.push(at);
          reference.decode(base + at);
          at += reference.len;
        }
        total += starts.length;
        const found = compareAt(r.bytes, base, starts, reference);
        claimed += found.claimed;
        mismatches.push(...found.mismatches);
      } finally {
        reference.free();
      }
    }
    expect(mismatches).toEqual([]);
    expect(claimed / total).toBeGreaterThan(0.9);
  });
});
