// The program and its libraries rewritten, from the Analysis's sites: the rewriter's entry point.
import type { Analysis, SyscallSite } from '../analyzer/analysis.js';
import { readElf } from '../analyzer/elf/index.js';
import { rewriteObject, type RewrittenObject, type SiteOutcome } from './rewrite-object.js';

export interface RewrittenProgram {
  /** The new bytes of each object that has a patched site, by the host path the analysis gave it. */
  files: Map<string, Uint8Array>;
  /** Every reachable site, patched or kept with why, by object then address. */
  outcomes: SiteOutcome[];
}

/** `read(path)`: an object's bytes, as analyzed. */
export function rewriteProgram(analysis: Analysis, read: (path: string) => Uint8Array): RewrittenProgram {
  const byObject = new Map<string, SyscallSite[]>();
  for (const s of analysis.sites) {
    const list = byObject.get(s.object);
    if (list === undefined) byObject.set(s.object, [s]);
    else list.push(s);
  }
  const files = new Map<string, Uint8Array>();
  const outcomes: SiteOutcome[] = [];
  for (const [path, sites] of byObject) {
    const rewritten: RewrittenObject = rewriteObject(readElf(read(path), path), sites);
    if (rewritten.bytes !== undefined) files.set(path, rewritten.bytes);
    outcomes.push(...rewritten.outcomes);
  }
  return { files, outcomes };
}

export interface RewriteSummary {
  sites: number;
  userSpace: number;
  syscall: number;
  /** Sites kept as they were, counted by reason. */
  kept: Record<string, number>;
}

export function summarizeRewrite(outcomes: readonly SiteOutcome[]): RewriteSummary {
  const summary: RewriteSummary = { sites: outcomes.length, userSpace: 0, syscall: 0, kept: {} };
  for (const o of outcomes) {
    if (o.patched === 'user-space') summary.userSpace++;
    else if (o.patched === 'syscall') summary.syscall++;
    else if ('reason' in o) summary.kept[o.reason] = (summary.kept[o.reason] ?? 0) + 1;
  }
  return summary;
}
