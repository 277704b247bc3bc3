// The data flow on the shapes Go's compiler emits (hand-written here, expected numbers read off the
// source): a syscall number in AX spilled to the stack around a call and reloaded, the morestack
// path that spills the register arguments and jumps back to the start, and the cases where a stack
// slot may have changed and the number must stay unresolved.
import { describe, expect, it } from 'vitest';
import { decodeFunction, Flow, RegionDecoder, type ReadData } from '../analyzer/code/decode.js';
import { stackArg, valuesBefore } from '../analyzer/code/dataflow.js';
import { flowContext, SemanticsCache } from '../analyzer/code/semantics.js';
import { RAX } from '../analyzer/code/regs.js';
import { assemble } from './analyzer-asm.js';

type At = 'syscall' | 'last call' | 'last jump';

interface Values {
  nrs: number[];
  params: number[];
  unknown: string[];
}

/** The values of rax at the first instruction of the given kind (a syscall, or the last call). */
function raxAt(source: string, at: At): Values {
  return valuesAt(source, at, RAX);
}

/** The values of a parameter (register, or stackArg + k) at the first syscall or the last call. */
function valuesAt(source: string, at: At, param: number): Values {
  const bytes = assemble(source);
  const region = { base: 0, bytes };
  const read: ReadData = () => undefined;
  const dec = new RegionDecoder(region);
  const sem = new SemanticsCache(region);
  try {
    const fn = decodeFunction(dec, 0, 0, bytes.length, read, 'none');
    const ctx = flowContext(fn, sem, read);
    const flow = at === 'syscall' ? Flow.Syscall : at === 'last call' ? Flow.Call : Flow.Jump;
    const indices = Array.from(fn.flows, (f, i) => (f === flow ? i : -1)).filter((i) => i >= 0);
    const index = at === 'syscall' ? indices[0] : indices[indices.length - 1];
    const v = valuesBefore(ctx, index, param);
    return { nrs: [...v.consts].map(Number).sort((a, b) => a - b), params: [...v.params].sort(), unknown: [...v.unknown] };
  } finally {
    dec.free();
    sem.free();
  }
}

// syscall.Syscall in Go 1.19: the number comes in AX, is spilled, survives entersyscall, is reloaded.
const goSyscall = `
  sub rsp, 0x68
  mov [rsp+0x60], rbp
  lea rbp, [rsp+0x60]
  mov [rsp+0x40], rax
  call 1f
  mov rax, [rsp+0x40]
  xor esi, esi
  call 1f
  mov rbp, [rsp+0x60]
  add rsp, 0x68
  ret
1: ret`;

describe('Go: numbers through stack slots', () => {
  it('a number spilled around a call is the argument it came from', () => {
    expect(raxAt(goSyscall, 'last call')).toEqual({ nrs: [], params: [RAX], unknown: [] });
  });
  it('a constant stored to a slot and reloaded', () => {
    expect(raxAt('sub rsp, 16\nmov qword ptr [rsp+8], 39\ncall 1f\nmov rax, [rsp+8]\nsyscall\nadd rsp, 16\nret\n1: ret', 'syscall').nrs).toEqual([39]);
  });
  it('the morestack path: spill, call, reload, back to the start', () => {
    const src = `
      0: cmp rsp, [r14+16]
      jbe 2f
      sub rsp, 24
      mov rdi, rbx
      syscall
      add rsp, 24
      ret
      2: mov [rsp+8], rax
      mov [rsp+16], rbx
      call 3f
      mov rax, [rsp+8]
      mov rbx, [rsp+16]
      jmp 0b
      3: ret`;
    expect(raxAt(src, 'syscall')).toEqual({ nrs: [], params: [RAX], unknown: [] });
  });
  it('push and sub rsp move the slot: the offsets are followed back', () => {
    // [rsp+8] after the sub and the push is the slot written at [rsp+0x20] before them (0x20 - 0x10 - 8).
    expect(raxAt('mov qword ptr [rsp-8], 1\nmov qword ptr [rsp+0x20-0x20], 2\nsub rsp, 0x10\npush rbx\nmov rax, [rsp+0x10+8]\nsyscall\nret', 'syscall').nrs).toEqual([2]);
    expect(raxAt('mov eax, 231\npush rax\nmov rbx, [rsp]\nmov rax, rbx\nsyscall\nret', 'syscall').nrs).toEqual([231]);
  });
  it('merges of two stores give both numbers', () => {
    const src = 'test edi, edi\nje 1f\nmov qword ptr [rsp+8], 60\njmp 2f\n1: mov qword ptr [rsp+8], 231\n2: mov rax, [rsp+8]\nsyscall\nret';
    expect(raxAt(src, 'syscall').nrs).toEqual([60, 231]);
  });
});

describe('Go: stack slots that may have changed stay unresolved', () => {
  it('a slot overwritten in part', () => {
    const v = raxAt('mov [rsp+8], rax\nmov dword ptr [rsp+12], 0\nmov rax, [rsp+8]\nsyscall\nret', 'syscall');
    expect(v).toEqual({ nrs: [], params: [], unknown: ['stack slot overwritten'] });
    expect(raxAt('mov [rsp+8], rax\nmov [rsp+12], rbx\nmov rax, [rsp+8]\nsyscall\nret', 'syscall').unknown).toEqual(['stack slot overwritten']);
  });
  it('a slot overwritten by a vector store', () => {
    const v = raxAt('mov qword ptr [rsp+8], 1\nmovups [rsp], xmm0\nmov rax, [rsp+8]\nsyscall\nret', 'syscall');
    expect(v.unknown).toEqual(['stack slot overwritten']);
    expect(v.nrs).toEqual([]);
  });
  it('a write through rbp may hit any slot', () => {
    const v = raxAt('mov qword ptr [rsp+8], 1\nmov qword ptr [rbp-8], 2\nmov rax, [rsp+8]\nsyscall\nret', 'syscall');
    expect(v.unknown).toEqual(['stack slot written through rbp']);
  });
  it('a function that takes a stack address: a callee may write the slot', () => {
    const v = raxAt('mov qword ptr [rsp+8], 1\nlea rdi, [rsp+8]\ncall 1f\nmov rax, [rsp+8]\nsyscall\nret\n1: ret', 'syscall');
    expect(v).toEqual({ nrs: [], params: [], unknown: ['loaded from a stack slot whose address is taken'] });
    expect(raxAt('mov qword ptr [rsp+8], 1\nmov rdi, rsp\ncall 1f\nmov rax, [rsp+8]\nsyscall\nret\n1: ret', 'syscall').nrs).toEqual([]);
  });
  it('a slot never stored in the function that is no argument (the return address) is unresolved', () => {
    expect(raxAt('mov rax, [rsp]\nsyscall\nret', 'syscall').unknown).toEqual(["loaded from the caller's stack frame"]);
  });
  it('rsp changed by an unknown amount', () => {
    expect(raxAt('mov qword ptr [rsp+8], 1\nand rsp, rdi\nmov rax, [rsp+8]\nsyscall\nret', 'syscall').unknown).toEqual(['stack pointer changed']);
  });
});

// Go's assembly functions (ABI0) take their arguments on the stack: MOVQ trap+0(FP), AX is
// mov rax, [rsp+8] in a function without a frame; callers store them at [rsp], [rsp+8], ...
describe('Go: numbers passed on the stack (ABI0)', () => {
  it('a number read from the first stack argument is that argument', () => {
    expect(raxAt('mov rax, [rsp+8]\nmov rdi, [rsp+16]\nsyscall\nret', 'syscall')).toEqual({ nrs: [], params: [stackArg], unknown: [] });
    expect(raxAt('sub rsp, 24\nmov rax, [rsp+24+8+16]\nsyscall\nadd rsp, 24\nret', 'syscall').params).toEqual([stackArg + 2]);
  });
  it('the caller stores the argument right before the call', () => {
    const src = 'sub rsp, 0x20\nmov qword ptr [rsp], 0x27\nmovups [rsp+8], xmm15\nmov qword ptr [rsp+0x18], 0\nnop dword ptr [rax+rax]\ncall 1f\nadd rsp, 0x20\nret\n1: ret';
    expect(valuesAt(src, 'last call', stackArg)).toEqual({ nrs: [0x27], params: [], unknown: [] });
    expect(valuesAt(src, 'last call', stackArg + 3).nrs).toEqual([0]);
  });
  it('a stack argument passed on from the caller\'s own register argument (ABI wrapper)', () => {
    expect(valuesAt('sub rsp, 0x18\nmov [rsp], rax\nmov [rsp+8], rbx\ncall 1f\nadd rsp, 0x18\nret\n1: ret', 'last call', stackArg)).toEqual({ nrs: [], params: [RAX], unknown: [] });
  });
  it('a tail jump: the arguments sit above the return address', () => {
    expect(valuesAt('mov qword ptr [rsp], 1\nmov qword ptr [rsp+8], 60\njmp 1f\n1: ret', 'last jump', stackArg).nrs).toEqual([60]);
  });
  it('an argument stored before another call, or memory written in between, is unresolved', () => {
    expect(valuesAt('mov qword ptr [rsp], 39\ncall 1f\ncall 1f\nret\n1: ret', 'last call', stackArg).unknown).toEqual(['stack argument stored before an earlier call']);
    expect(valuesAt('mov qword ptr [rsp], 39\nmov [rdi], rax\ncall 1f\nret\n1: ret', 'last call', stackArg).unknown).toEqual(["memory written between a stack argument's store and the call"]);
  });
});
