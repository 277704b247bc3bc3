// Basic blocks and predecessor lists of a decoded function, for the backward data flow.
import { type DecodedFunction, endsRun, Flow } from './decode.js';

export interface Cfg {
  fn: DecodedFunction;
  /** Index of the first and one past the last instruction of each block. */
  blockStart: number[];
  blockEnd: number[];
  preds: number[][];
  /** Block that begins at the function's start address (-1 if the start was not decoded). */
  entry: number;
  /** Block of each instruction. */
  blockOf: Int32Array;
}

export function buildCfg(fn: DecodedFunction): Cfg {
  const n = fn.addrs.length;
  const indexOf = new Map<number, number>();
  fn.addrs.forEach((a, i) => indexOf.set(a, i));
  const leader = new Uint8Array(n);
  if (n > 0) leader[0] = 1;
  const succOf = (i: number): number[] => {
    const out: number[] = [];
    const f = fn.flows[i];
    const next = i + 1 < n && fn.addrs[i + 1] === fn.addrs[i] + fn.lens[i] ? i + 1 : -1;
    if (f === Flow.Jump || f === Flow.CondJump) {
      const t = indexOf.get(fn.targets[i]);
      if (t !== undefined) out.push(t);
    }
    if (f === Flow.IndirectJump) for (const a of fn.jumpTables.get(fn.addrs[i]) ?? []) {
      const t = indexOf.get(a);
      if (t !== undefined) out.push(t);
    }
    if (!endsRun(f) && next >= 0) out.push(next);
    return out;
  };
  for (let i = 0; i < n; i++) {
    const f = fn.flows[i];
    if (i + 1 < n && (f === Flow.CondJump || endsRun(f) || fn.addrs[i + 1] !== fn.addrs[i] + fn.lens[i])) leader[i + 1] = 1;
    if (f === Flow.Jump || f === Flow.CondJump || f === Flow.IndirectJump) for (const t of succOf(i)) leader[t] = 1;
  }
  const start = indexOf.get(fn.start);
  if (start !== undefined) leader[start] = 1;
  const blockStart: number[] = [];
  const blockEnd: number[] = [];
  const blockOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (leader[i]) {
      if (blockStart.length > 0) blockEnd.push(i);
      blockStart.push(i);
    }
    blockOf[i] = blockStart.length - 1;
  }
  if (blockStart.length > 0) blockEnd.push(n);
  const preds: number[][] = blockStart.map(() => []);
  for (let b = 0; b < blockStart.length; b++) {
    for (const s of succOf(blockEnd[b] - 1)) preds[blockOf[s]].push(b);
  }
  return { fn, blockStart, blockEnd, preds, entry: start === undefined ? -1 : blockOf[start], blockOf };
}
