// The analysis cache: small JSON entries under the cache dir, by kind and key, in a folder per
// summaryVersion (a new version ignores every older entry). Per-object summaries are keyed by the
// file's sha256 (see file-hash.ts for how a file's hash is found without reading it again).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type ObjectSummary, summaryVersion } from './summary.js';

/** What an entry holds: a file's hash by its identity, an object's facts, a summary, a linked program. */
export type EntryKind = 'files' | 'facts' | 'summaries' | 'programs';

export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'ukify');
}

export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function entryPath(dir: string, kind: EntryKind, key: string): string {
  return join(dir, `analysis-v${summaryVersion}`, kind, `${key}.json`);
}

/** The entry's value as stored (the caller checks what it needs), or undefined when there is none or it cannot be read. */
export function readEntry<T>(dir: string, kind: EntryKind, key: string): T | undefined {
  try {
    return JSON.parse(readFileSync(entryPath(dir, kind, key), 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only costs time. Written atomically (rename). */
export function writeEntry(dir: string, kind: EntryKind, key: string, value: unknown): void {
  try {
    const path = entryPath(dir, kind, key);
    mkdirSync(join(dir, `analysis-v${summaryVersion}`, kind), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, path);
  } catch {
    // ignore: read-only or full cache dir
  }
}

function sameAssumptions(a: Record<string, number[]>, b: Record<string, number[]>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k].join() === b[k].join());
}

/** Whether the cache holds a summary of the file (made under whatever assumptions). */
export function hasCached(dir: string, hash: string): boolean {
  return existsSync(entryPath(dir, 'summaries', hash));
}

/** A cached summary made under the same imported-forwarder assumptions, or undefined. */
export function loadCached(dir: string, hash: string, assumed: Record<string, number[]>): ObjectSummary | undefined {
  const s = readEntry<ObjectSummary>(dir, 'summaries', hash);
  return s !== undefined && s.version === summaryVersion && s.sha256 === hash && sameAssumptions(s.assumedImports, assumed) ? s : undefined;
}

export function storeCached(dir: string, summary: ObjectSummary): void {
  writeEntry(dir, 'summaries', summary.sha256, summary);
}
