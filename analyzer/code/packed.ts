// Decoded functions packed into a few typed arrays, so that a list of them crosses to another thread
// by transfer (no copy, no object per instruction), and unpacked there into DecodedFunctions.
import { type DecodedFunction, type FlowColumn, noJumpTables } from './decode.js';

export interface PackedFunctions {
  starts: Float64Array;
  /** Instructions of each function, in order: its slice of the columns below. */
  counts: Uint32Array;
  unboundedTables: Uint32Array;
  addrs: Float64Array;
  lens: Uint8Array;
  flows: Uint8Array;
  /** targets and refs: one column (see DecodedFunction). */
  operands: Float64Array;
  /** Jump tables, one after another: function index, jump address, number of targets, the targets. */
  tables: Float64Array;
  /** Bytes the decoder read for these functions (the benchmark's figure). */
  decodedBytes: number;
}

export function pack(fns: readonly DecodedFunction[], decodedBytes: number): PackedFunctions {
  const total = fns.reduce((n, f) => n + f.addrs.length, 0);
  const tables: number[] = [];
  const p: PackedFunctions = {
    starts: new Float64Array(fns.length),
    counts: new Uint32Array(fns.length),
    unboundedTables: new Uint32Array(fns.length),
    addrs: new Float64Array(total),
    lens: new Uint8Array(total),
    flows: new Uint8Array(total),
    operands: new Float64Array(total),
    tables: new Float64Array(0),
    decodedBytes,
  };
  let at = 0;
  fns.forEach((f, k) => {
    const n = f.addrs.length;
    p.starts[k] = f.start;
    p.counts[k] = n;
    p.unboundedTables[k] = f.unboundedTables;
    p.addrs.set(f.addrs, at);
    p.lens.set(f.lens, at);
    p.flows.set(f.flows, at);
    p.operands.set(f.refs, at);
    at += n;
    for (const [jump, targets] of f.jumpTables) tables.push(k, jump, targets.length, ...targets);
  });
  p.tables = Float64Array.from(tables);
  return p;
}

/** The buffers to transfer with a packed list (they are unusable on the sending side afterwards). */
export function transferables(p: PackedFunctions): ArrayBuffer[] {
  return [p.starts, p.counts, p.unboundedTables, p.addrs, p.lens, p.flows, p.operands, p.tables].map((a) => a.buffer as ArrayBuffer);
}

/** The functions of a packed list, in order; their columns are views into the packed arrays. */
export function unpack(p: PackedFunctions): DecodedFunction[] {
  const out: DecodedFunction[] = [];
  let at = 0;
  for (let k = 0; k < p.starts.length; k++) {
    const n = p.counts[k];
    const operands = p.operands.subarray(at, at + n);
    out.push({
      start: p.starts[k],
      addrs: p.addrs.subarray(at, at + n),
      lens: p.lens.subarray(at, at + n),
      flows: p.flows.subarray(at, at + n) as FlowColumn,
      targets: operands,
      refs: operands,
      jumpTables: noJumpTables,
      unboundedTables: p.unboundedTables[k],
    });
    at += n;
  }
  for (let i = 0; i < p.tables.length; ) {
    const n = p.tables[i + 2];
    const fn = out[p.tables[i]];
    const tables = fn.jumpTables === noJumpTables ? new Map<number, number[]>() : (fn.jumpTables as Map<number, number[]>);
    tables.set(p.tables[i + 1], Array.from(p.tables.subarray(i + 3, i + 3 + n)));
    fn.jumpTables = tables;
    i += 3 + n;
  }
  return out;
}
