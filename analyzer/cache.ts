// The analysis cache: small JSON entries under the cache dir, by kind and key, in a folder per
// summaryVersion (a new version ignores every older entry). Per-object summaries are keyed by the
// file's sha256 (see file-hash.ts for how a file's hash is found without reading it again).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
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

/** Where an entry goes, and the file it is written to first (renamed into place: atomic), its folder made. */
function entryFiles(dir: string, kind: EntryKind, key: string): { path: string; tmp: string } {
  const path = entryPath(dir, kind, key);
  mkdirSync(join(dir, `analysis-v${summaryVersion}`, kind), { recursive: true });
  return { path, tmp: `${path}.${process.pid}.tmp` };
}

/** Best effort: a cache that cannot be written (read-only, full) only costs time. */
export function writeEntry(dir: string, kind: EntryKind, key: string, value: unknown): void {
  try {
    const { path, tmp } = entryFiles(dir, kind, key);
    writeFileSync(tmp, JSON.stringify(value));
    renameSync(tmp, path);
  } catch {}
}

/** writeEntry, the file written by another thread (libuv's) while this one goes on; it never rejects. */
export async function writeEntryLater(dir: string, kind: EntryKind, key: string, value: unknown): Promise<void> {
  try {
    const { path, tmp } = entryFiles(dir, kind, key);
    await writeFile(tmp, JSON.stringify(value));
    await rename(tmp, path);
  } catch {}
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

/** storeCached, written while this thread goes on (see writeEntryLater). */
export function storeCachedLater(dir: string, summary: ObjectSummary): Promise<void> {
  return writeEntryLater(dir, 'summaries', summary.sha256, summary);
}
