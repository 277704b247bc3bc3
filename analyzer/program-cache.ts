// A whole program's linked result, cached. It is a function of the objects in load order (their paths
// and content hashes: each summary is a function of its file and of the summaries before it) and of
// the paths option, so a warm analysis reads one small entry instead of every object's summary.
import type { Doubt, SyscallOrigin, SyscallSite, UnresolvedSite } from './analysis.js';
import { readEntry, sha256, writeEntry } from './cache.js';
import type { LinkResult } from './link.js';
import { summaryVersion } from './summary.js';

export interface LinkedProgram {
  linked: LinkResult;
  doubts: Doubt[];
}

interface StoredProgram {
  key: string;
  /** nr, the sites that can issue it, and its origins (by "object\0function"), in the result's order. */
  syscalls: [number, string[], [string, SyscallOrigin][]][];
  sites: SyscallSite[];
  unresolved: UnresolvedSite[];
  abi32: UnresolvedSite[];
  reachableFunctions: number;
  doubts: Doubt[];
}

export function programKey(objects: readonly { path: string; sha256: string }[], paths: boolean): string {
  return sha256(JSON.stringify({ version: summaryVersion, paths, objects: objects.map((o) => [o.path, o.sha256]) }));
}

export function loadProgram(dir: string, key: string): LinkedProgram | undefined {
  const s = readEntry<StoredProgram>(dir, 'programs', key);
  if (s === undefined || s.key !== key) return undefined;
  const syscalls = new Map(s.syscalls.map(([nr, sites, from]) => [nr, { sites: new Set(sites), from: new Map(from) }]));
  return { linked: { syscalls, sites: s.sites, unresolved: s.unresolved, abi32: s.abi32, reachableFunctions: s.reachableFunctions }, doubts: s.doubts };
}

export function storeProgram(dir: string, key: string, p: LinkedProgram): void {
  const stored: StoredProgram = {
    key,
    syscalls: [...p.linked.syscalls].map(([nr, s]) => [nr, [...s.sites], [...s.from]]),
    sites: p.linked.sites,
    unresolved: p.linked.unresolved,
    abi32: p.linked.abi32,
    reachableFunctions: p.linked.reachableFunctions,
    doubts: p.doubts,
  };
  writeEntry(dir, 'programs', key, stored);
}
