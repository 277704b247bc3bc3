// Where a syscall site can be patched: the run of whole instructions around a `syscall` that a
// 5-byte jump can replace, every one of them movable as it is to another address (no rip-relative
// operand, no branch), and none but the first a place control can arrive at other than by falling
// through. The rewriter copies these bytes into a trampoline; the analysis only says where they are.
import { type DecodedFunction, Flow } from './decode.js';

/** A `jmp rel32`: the bytes a window must at least hold. */
export const jumpLength = 5;

export type PatchWindow = { start: number; end: number; interior: number[] } | { reason: string };

/**
 * The window around code's instruction `i` (a syscall): instructions before it first, then after it
 * when those are too few. `isTarget(a)`: control may arrive at a other than from the instruction
 * before. `movable(a)`: the instruction at a means the same at any address.
 */
export function patchWindow(code: DecodedFunction, i: number, isTarget: (a: number) => boolean, movable: (a: number) => boolean): PatchWindow {
  const contiguous = (j: number): boolean => code.addrs[j] + code.lens[j] === code.addrs[j + 1];
  /** Why instruction j cannot join the window, `inner` then lying inside it ('' when it can). */
  const refusal = (j: number, inner: number, side: 'before' | 'after'): string => {
    if (isTarget(code.addrs[inner])) return 'a branch target inside';
    if (code.flows[j] !== Flow.Next) return `a branch ${side} it`;
    return movable(code.addrs[j]) ? '' : 'an instruction that uses rip';
  };
  let first = i;
  let last = i;
  const size = (): number => code.addrs[last] + code.lens[last] - code.addrs[first];
  let blocker = '';
  while (size() < jumpLength) {
    const j = first - 1;
    if (j < 0 || !contiguous(j)) break;
    const why = refusal(j, first, 'before');
    if (why !== '') {
      blocker = why;
      break;
    }
    first = j;
  }
  while (size() < jumpLength) {
    const k = last + 1;
    if (k >= code.addrs.length || !contiguous(last)) {
      blocker ||= 'the code ends after it';
      break;
    }
    const why = refusal(k, k, 'after');
    if (why !== '') {
      blocker = why;
      break;
    }
    last = k;
  }
  if (size() >= jumpLength) {
    const interior: number[] = [];
    for (let j = first + 1; j <= last; j++) interior.push(code.addrs[j]);
    return { start: code.addrs[first], end: code.addrs[last] + code.lens[last], interior };
  }
  return { reason: `too little room: ${size()} bytes of movable code (${blocker || 'none around it'})` };
}
