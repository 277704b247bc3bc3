// The backward data flow on hand-written assembly: each snippet is one function whose syscall
// number is set in a known way; the expected numbers are read off the source.
import { describe, expect, it } from 'vitest';
import { decodeFunction, Flow, RegionDecoder, type ReadData } from '../analyzer/code/decode.js';
import { valuesBefore } from '../analyzer/code/dataflow.js';
import { flowContext, SemanticsCache } from '../analyzer/code/semantics.js';
import { RAX, RDI, RSI } from '../analyzer/code/regs.js';
import { assemble } from './analyzer-asm.js';

interface Site {
  nrs: number[];
  params: number[];
  unknown: string[];
}

function sitesOf(source: string): Site[] {
  const bytes = assemble(source);
  const region = { base: 0, bytes };
  const read: ReadData = (addr, size) => {
    if (addr < 0 || addr + size > bytes.length) return undefined;
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[addr + i]);
    return v;
  };
  const dec = new RegionDecoder(region);
  const sem = new SemanticsCache(region);
  try {
    const fn = decodeFunction(dec, 0, 0, bytes.length, read, 'none');
    const ctx = flowContext(fn, sem, read);
    const out: Site[] = [];
    fn.flows.forEach((f, i) => {
      if (f !== Flow.Syscall) return;
      const v = valuesBefore(ctx, i, RAX);
      out.push({ nrs: [...v.consts].map(Number).sort((a, b) => a - b), params: [...v.params].sort(), unknown: [...v.unknown] });
    });
    return out;
  } finally {
    dec.free();
    sem.free();
  }
}

describe('syscall number data flow', () => {
  it('mov imm', () => {
    expect(sitesOf('mov eax, 60\nsyscall\nret')).toEqual([{ nrs: [60], params: [], unknown: [] }]);
  });
  it('xor zeroing idiom', () => {
    expect(sitesOf('xor eax, eax\nsyscall\nret')).toEqual([{ nrs: [0], params: [], unknown: [] }]);
  });
  it('register copies and 32-bit moves', () => {
    expect(sitesOf('mov ecx, 39\nmov rdx, rcx\nmov eax, edx\nsyscall\nret')[0].nrs).toEqual([39]);
  });
  it('lea with base and displacement', () => {
    expect(sitesOf('mov esi, 200\nlea eax, [rsi+31]\nsyscall\nret')[0].nrs).toEqual([231]);
  });
  it('add, sub, inc', () => {
    expect(sitesOf('mov eax, 10\nadd eax, 5\nsub rax, 3\ninc eax\nsyscall\nret')[0].nrs).toEqual([13]);
  });
  it('push imm; pop rax', () => {
    expect(sitesOf('push 41\npop rax\nsyscall\nret')[0].nrs).toEqual([41]);
  });
  it('a constant loaded from read-only data', () => {
    expect(sitesOf('mov eax, dword ptr [rip + table + 8]\nsyscall\nret\ntable: .long 1, 2, 257, 4')[0].nrs).toEqual([257]);
  });
  it('a merge gives both values', () => {
    const src = 'test edi, edi\nje 1f\nmov eax, 1\njmp 2f\n1: mov eax, 2\n2: syscall\nret';
    expect(sitesOf(src)).toEqual([{ nrs: [1, 2], params: [], unknown: [] }]);
  });
  it('cmov adds the second value', () => {
    expect(sitesOf('mov eax, 3\nmov edx, 232\ntest edi, edi\ncmovne eax, edx\nsyscall\nret')[0].nrs).toEqual([3, 232]);
  });
  it('a number taken from an argument is reported as that argument', () => {
    expect(sitesOf('mov rax, rdi\nmov rdi, rsi\nsyscall\nret')).toEqual([{ nrs: [], params: [RDI], unknown: [] }]);
    expect(sitesOf('mov eax, esi\nsyscall\nret')[0].params).toEqual([RSI]);
  });
  it('a loop that keeps the number is resolved', () => {
    const src = 'mov eax, 7\n1: push rax\nsyscall\npop rax\ndec edi\njnz 1b\nret';
    expect(sitesOf(src)[0].nrs).toEqual([7]);
  });
  it('a number loaded from memory through a pointer is unresolved, with a reason', () => {
    const [site] = sitesOf('mov eax, dword ptr [rdi+8]\nsyscall\nret');
    expect(site.nrs).toEqual([]);
    expect(site.unknown).toEqual(['loaded from memory']);
  });
  it('the return value of a call is unresolved', () => {
    const [site] = sitesOf('call 1f\nsyscall\nret\n1: mov eax, 5\nret');
    expect(site.unknown).toEqual(['return value of a call']);
  });
  it('every syscall instruction of a function is found, none from data after it', () => {
    // 0f 05 inside the data table must not count: it is only reachable by decoding the data.
    const sites = sitesOf('mov eax, 1\nsyscall\nmov eax, 2\nsyscall\nret\n.byte 0x0f, 0x05, 0x0f, 0x05');
    expect(sites.map((s) => s.nrs)).toEqual([[1], [2]]);
  });
});
