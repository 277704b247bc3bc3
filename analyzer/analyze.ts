// Entry point: analyze a program and every library it loads, and say which syscalls it can make.
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { loadCatalog } from '../syscall-shim/catalog.js';
import type { Analysis, Coverage, Doubt, NamedPath, ProgramFiles, SyscallUse, UnresolvedSite } from './analysis.js';
import { defaultCacheDir, loadCached, sha256, storeCached } from './cache.js';
import { importKey } from './imports.js';
import { binaryKind } from './kind.js';
import { type LoadedObject, libraryClosure, readObject } from './libraries.js';
import { link, type LinkResult } from './link.js';
import { namedPaths } from './named-paths.js';
import { analyzeObject } from './object.js';
import type { ObjectSummary } from './summary.js';

export interface AnalyzeOptions {
  cacheDir?: string;
  /** Give each origin of a syscall a shortest reachability path (see SyscallOrigin.path). */
  paths?: boolean;
  onProgress?: (message: string) => void;
}

export class InputError extends Error {
  readonly userFacing = true;
  override readonly name = 'InputError';
}

/** Import keys an object uses, from its relocations. */
function importKeysOf(o: LoadedObject): Set<string> {
  const out = new Set<string>();
  for (const r of o.elf.relocations) if (r.symbolName) out.add(importKey(r.symbolName, r.symbolVersion));
  return out;
}

/** Exported functions that take a syscall number in an argument, by import key. */
function exportedForwarders(s: ObjectSummary, into: Map<string, number[]>): void {
  for (const f of s.forwarders) {
    for (const e of s.exports) {
      if (e.addr !== f.fn) continue;
      for (const key of [importKey(e.name, e.version), e.name]) {
        const regs = into.get(key) ?? [];
        if (!regs.includes(f.reg)) regs.push(f.reg);
        into.set(key, regs.sort((a, b) => a - b));
      }
    }
  }
}

function readProgram(path: string): LoadedObject {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new InputError(`${path}: no such file`);
  if (!statSync(abs).isFile()) throw new InputError(`${path}: not a regular file`);
  return readObject(abs);
}

/** The absolute paths the objects name, each with the objects that name it. */
function pathsNamedBy(objects: readonly LoadedObject[]): NamedPath[] {
  const byPath = new Map<string, string[]>();
  for (const o of objects) {
    for (const path of namedPaths(o.elf)) byPath.set(path, [...(byPath.get(path) ?? []), o.path]);
  }
  return [...byPath].map(([path, namedBy]) => ({ path, namedBy }));
}

function importsIconv(objects: readonly LoadedObject[]): boolean {
  return objects.some((o) => o.elf.dynamicSymbols.some((s) => s.shndx === 0 && s.name === 'iconv_open'));
}

function filesOf(program: LoadedObject, closure: { libraries: ProgramFiles['libraries']; objects: LoadedObject[] }): ProgramFiles {
  const objects = [program, ...closure.objects];
  return {
    binary: program.path,
    type: binaryKind(program.elf),
    interpreter: program.elf.interpreter ?? null,
    libraries: closure.libraries,
    paths: pathsNamedBy(objects),
    usesIconv: importsIconv([program]),
  };
}

/** What the program is made of (its libraries, the paths it names), without the syscall analysis. */
export function analyzeFiles(path: string): ProgramFiles {
  const program = readProgram(path);
  return filesOf(program, libraryClosure(program));
}

export async function analyzeProgram(path: string, options: AnalyzeOptions = {}): Promise<Analysis> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const program = readProgram(path);
  const kind = binaryKind(program.elf);
  const closure = libraryClosure(program);
  const loadOrder = [program, ...closure.objects];
  const summaries = new Map<LoadedObject, ObjectSummary>();
  const forwarders = new Map<string, number[]>();
  // Dependencies first (the loader, then libraries from the leaves up), so that each object is
  // analyzed knowing which of its imports take a syscall number (glibc's syscall()).
  const order = [...loadOrder].reverse();
  for (const [i, o] of order.entries()) {
    options.onProgress?.(`analyzing ${basename(o.path)} (${i + 1}/${order.length})`);
    const hash = sha256(o.elf.bytes);
    const keys = importKeysOf(o);
    const assumed = new Map([...forwarders].filter(([k]) => keys.has(k)));
    const assumedRecord = Object.fromEntries(assumed);
    let s = loadCached(cacheDir, hash, assumedRecord);
    if (s === undefined) {
      s = analyzeObject(o.elf, hash, assumed);
      storeCached(cacheDir, s);
    }
    summaries.set(o, s);
    exportedForwarders(s, forwarders);
    await new Promise((r) => setImmediate(r));
  }
  const linked = link(loadOrder.map((o) => ({ path: o.path, summary: summaries.get(o) as ObjectSummary })), kind === 'shared-library', options.paths === true);
  const doubts = loadOrder.flatMap((o) => Object.entries((summaries.get(o) as ObjectSummary).doubts).map(([reason, count]) => ({ object: o.path, reason, count })));
  return toAnalysis(filesOf(program, closure), linked, doubts);
}

function toAnalysis(files: ProgramFiles, linked: LinkResult, doubts: Doubt[]): Analysis {
  const catalog = loadCatalog();
  const syscalls: SyscallUse[] = [];
  const unresolved: UnresolvedSite[] = [...linked.unresolved];
  for (const [nr, src] of [...linked.syscalls].sort((a, b) => a[0] - b[0])) {
    const entry = catalog.get(nr);
    const from = [...src.from.values()].sort((a, b) => a.object.localeCompare(b.object) || a.function.localeCompare(b.function));
    if (entry === undefined) {
      for (const f of from) unresolved.push({ object: f.object, address: '', function: f.function, reason: `${nr} is not an x86-64 syscall number` });
      continue;
    }
    syscalls.push({ nr, name: entry.name, status: entry.status, note: entry.note, sites: src.sites.size, from });
  }
  const coverage: Coverage = { total: syscalls.length, full: 0, partial: 0, fake: 0, stub: 0, missing: 0, unresolved: unresolved.length };
  for (const s of syscalls) coverage[s.status]++;
  return {
    ...files,
    arch: 'x86-64',
    syscalls,
    unresolved,
    abi32Sites: linked.abi32,
    doubts,
    coverage,
  };
}
