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
 * The trampoline at `at` for a window whose code resumes at `resume`. Without `entry` the call is
 * still made by a `syscall` instruction (a signal's restart then finds one 2 bytes back, as it
 * expects); with it, the code jumps to that fast entry with rcx = where to come back, as a
 * `syscall` leaves rcx. undefined when `resume` is out of a jump's reach.
 */
export function trampoline(at: bigint, code: WindowCode, resume: bigint, entry?: bigint): Uint8Array | undefined {
  const call = entry === undefined ? Uint8Array.from(SYSCALL) : fastCall(entry);
  const body = concat(code.before, call, code.after);
  const back = jumpTo(at + BigInt(body.length), resume);
  return back === undefined ? undefined : concat(body, back);
}

/** lea rcx,[rip+13]; movabs r11,entry; jmp r11: rcx then points just past these 20 bytes. */
function fastCall(entry: bigint): Uint8Array {
  const out = new Uint8Array(7 + 10 + 3);
  const d = new DataView(out.buffer);
  out.set([0x48, 0x8d, 0x0d], 0);
  d.setInt32(3, 10 + 3, true);
  out.set([0x49, 0xbb], 7);
  d.setBigUint64(9, entry, true);
  out.set([0x41, 0xff, 0xe3], 17);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
