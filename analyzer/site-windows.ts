// The patch window of every syscall site whose number the analysis knows (code/patch-window.ts),
// or why it has none: what the rewriter needs, found while the object's code is still decoded.
import { type DecodedFunction, Flow, type RegionDecoder } from './code/decode.js';
import { patchWindow } from './code/patch-window.js';
import type { FunctionSummary, SiteSummary } from './summary.js';

export interface DecodedWithSites {
  code: DecodedFunction;
  summary: FunctionSummary;
  dec: RegionDecoder;
}

/**
 * Sets each site's window or unpatchable reason, in place. `landings`: addresses control may reach
 * other than by a branch in the decoded code (function starts, code pointers in data).
 */
export function setPatchWindows(fns: readonly DecodedWithSites[], landings: ReadonlySet<number>): void {
  const interiorOf = new Map<number, SiteSummary>();
  for (const { code, summary, dec } of fns) {
    if (!summary.sites.some(known)) continue;
    const unsure = unknownJumps(code);
    const local = localTargets(code);
    const isTarget = (a: number): boolean => local.has(a) || landings.has(a);
    const movable = (a: number): boolean => {
      dec.decode(a);
      return !dec.ipRel;
    };
    for (const site of summary.sites) {
      if (!known(site)) continue;
      if (unsure) {
        site.unpatchable = 'an indirect jump in its function goes to places the analysis does not know';
        continue;
      }
      const i = indexOf(code, site.addr);
      const w = patchWindow(code, i, isTarget, movable);
      if ('reason' in w) {
        site.unpatchable = w.reason;
        continue;
      }
      site.window = { start: w.start, end: w.end };
      for (const a of w.interior) interiorOf.set(a, site);
    }
  }
  if (interiorOf.size === 0) return;
  // A branch from anywhere in the object into a window's middle: that site stays a trap.
  const landsInside = (target: number): void => {
    const hit = interiorOf.get(target);
    if (hit === undefined) return;
    delete hit.window;
    hit.unpatchable = 'a branch target inside';
  };
  for (const { code } of fns) {
    for (let j = 0; j < code.addrs.length; j++) {
      const f = code.flows[j];
      if (f === Flow.Jump || f === Flow.CondJump || f === Flow.Call) landsInside(code.targets[j]);
    }
    for (const targets of code.jumpTables.values()) for (const t of targets) landsInside(t);
  }
}

/** A site with one number the analysis knows, and no other possibility. */
function known(s: SiteSummary): boolean {
  return s.nrs.length === 1 && s.params.length === 0 && s.unresolved.length === 0;
}

/** Whether an indirect jump of the function may land anywhere in it (no table read, or one read without its bound). */
function unknownJumps(code: DecodedFunction): boolean {
  if (code.unboundedTables > 0) return true;
  // `jmp [mem]` through a slot that is not a table (a GOT or vtable entry, a ref) leaves the function.
  for (let j = 0; j < code.flows.length; j++) if (code.flows[j] === Flow.IndirectJump && !code.jumpTables.has(code.addrs[j]) && Number.isNaN(code.refs[j])) return true;
  return false;
}

function localTargets(code: DecodedFunction): Set<number> {
  const out = new Set<number>();
  for (let j = 0; j < code.flows.length; j++) {
    const f = code.flows[j];
    if (f === Flow.Jump || f === Flow.CondJump) out.add(code.targets[j]);
  }
  for (const targets of code.jumpTables.values()) for (const t of targets) out.add(t);
  return out;
}

function indexOf(code: DecodedFunction, addr: number): number {
  let lo = 0;
  let hi = code.addrs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (code.addrs[mid] < addr) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
