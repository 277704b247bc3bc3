// Per-object analysis results cached as JSON under the cache dir, keyed by the file's sha256.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type ObjectSummary, summaryVersion } from './summary.js';

export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.cache'), 'ukify');
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function entryPath(dir: string, hash: string): string {
  return join(dir, `analysis-v${summaryVersion}`, `${hash}.json`);
}

function sameAssumptions(a: Record<string, number[]>, b: Record<string, number[]>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k].join() === b[k].join());
}

/** A cached summary made under the same imported-forwarder assumptions, or undefined. */
export function loadCached(dir: string, hash: string, assumed: Record<string, number[]>): ObjectSummary | undefined {
  try {
    const s = JSON.parse(readFileSync(entryPath(dir, hash), 'utf8')) as ObjectSummary;
    return s.version === summaryVersion && s.sha256 === hash && sameAssumptions(s.assumedImports, assumed) ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Best effort: a cache that cannot be written only costs time. Written atomically (rename). */
export function storeCached(dir: string, summary: ObjectSummary): void {
  try {
    const path = entryPath(dir, summary.sha256);
    mkdirSync(join(dir, `analysis-v${summaryVersion}`), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(summary));
    renameSync(tmp, path);
  } catch {
    // ignore: read-only or full cache dir
  }
}
