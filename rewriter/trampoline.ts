// The machine code the rewriter writes: a trampoline per patched site (the window's instructions,
// moved as they are, around the call's new path), and the jump that replaces the window.

/** The window's instructions before and after its `syscall`, copied as they are. */
export interface WindowCode {
  before: Uint8Array;
  after: Uint8Array;
}

const SYSCALL = [0x0f, 0x05];
const INT3 = 0xcc;

/** `jmp rel32` at `from` to `to`, or undefined when the distance does not fit in 32 bits. */
export function jumpTo(from: bigint, to: bigint): Uint8Array | undefined {
  const rel = to - (from + 5n);
  if (rel < -(1n << 31n) || rel >= 1n << 31n) return undefined;
  const out = new Uint8Array(5);
  out[0] = 0xe9;
  new DataView(out.buffer).setInt32(1, Number(rel), true);
  return out;
}

/** The bytes that replace a window of `length` bytes at `start`: a jump to the trampoline, then int3 (never reached). */
export function windowPatch(start: bigint, length: number, trampoline: bigint): Uint8Array | undefined {
  const jump = jumpTo(start, trampoline);
  if (jump === undefined) return undefined;
  const out = new Uint8Array(length).fill(INT3);
  out.set(jump);
  return out;
}

/**
 * The trampoline at `at` for a window whose code resumes at `resume`, making syscall `nr`:
 *   <before> <call> <after> jmp resume
 * where <call> is the `syscall` itself (a signal's restart then finds it 2 bytes back, as it
 * expects), or, with `words` (an identity call), a read of the identity page when its valid word
 * says the answer is there, and the syscall otherwise:
 *   movabs eax,[valid]; mov ecx,eax; jrcxz slow; movabs eax,[value]; <after>; jmp resume
 *   slow: mov eax,nr; syscall; <after>; jmp resume
 * Only direct jumps (TCG chains them) and nothing that changes the flags, as a syscall leaves them;
 * rcx is clobbered, as by a syscall. The loads are movabs: the page is above 4 GiB.
 * undefined when `resume` is out of a jump's reach.
 */
export function trampoline(at: bigint, code: WindowCode, resume: bigint, nr: number, words?: { valid: bigint; value: bigint }): Uint8Array | undefined {
  const tail = (call: Uint8Array, from: bigint): Uint8Array | undefined => {
    const body = Buffer.concat([call, code.after]);
    const back = jumpTo(from + BigInt(body.length), resume);
    return back === undefined ? undefined : Buffer.concat([body, back]);
  };
  const syscall = Uint8Array.from(SYSCALL);
  if (words === undefined) {
    const rest = tail(syscall, at + BigInt(code.before.length));
    return rest === undefined ? undefined : Buffer.concat([code.before, rest]);
  }
  const fastTail = code.after.length + 5;
  if (9 + fastTail > 127) return undefined;
  const test = new Uint8Array(9 + 2 + 2 + 9);
  const d = new DataView(test.buffer);
  test[0] = 0xa1;
  d.setBigUint64(1, words.valid, true);
  test.set([0x89, 0xc1, 0xe3, 9 + fastTail], 9);
  test[13] = 0xa1;
  d.setBigUint64(14, words.value, true);
  const afterTest = at + BigInt(code.before.length + test.length);
  const fast = tail(new Uint8Array(0), afterTest);
  const setNr = new Uint8Array(5);
  setNr[0] = 0xb8;
  new DataView(setNr.buffer).setUint32(1, nr, true);
  const slow = tail(Buffer.concat([setNr, syscall]), afterTest + BigInt(fastTail));
  return fast === undefined || slow === undefined ? undefined : Buffer.concat([code.before, test, fast, slow]);
}
