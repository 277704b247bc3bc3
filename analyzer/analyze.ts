// Entry point: analyze a program and every library it loads, and say which syscalls it can make.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, resolve } from 'node:path';
import { loadCatalog } from '../syscall-shim/catalog.js';
import type { Analysis, Coverage, Doubt, NamedPath, ProgramFiles, SyscallUse, UnresolvedSite } from './analysis.js';
import { defaultCacheDir, hasCached, loadCached, readEntry, sha256, writeEntry } from './cache.js';
import { type ElfFile, readElf } from './elf/index.js';
import { hashFile, hashFileBeside, type HashedFile, readBytes } from './file-hash.js';
import { importKey } from './imports.js';
import { type ClosureObject, closureOf, readObject } from './libraries.js';
import { link, type LinkResult } from './link.js';
import { ObjectPool } from './object-pool.js';
import { objectFacts, type ObjectFacts } from './object-facts.js';
import { loadProgram, programKey, storeProgram } from './program-cache.js';
import type { ObjectSummary } from './summary.js';

export interface AnalyzeOptions {
  cacheDir?: string;
  /** Give each origin of a syscall a shortest reachability path (see SyscallOrigin.path). */
  paths?: boolean;
  /**
   * How many objects to analyze at once (threads, the main one included) when the analysis is cold;
   * default: one per core for a large program, else 1 (a worker's start, its decoder and its first
   * compiled code, costs more than it saves on a program like nginx).
   */
  threads?: number;
  onProgress?: (message: string) => void;
}

/** File size from which a cold analysis uses worker threads (node's 99 MB does; nginx's 1.2 MB does not). */
const largeProgram = 32 * 1024 * 1024;

export class InputError extends Error {
  readonly userFacing = true;
  override readonly name = 'InputError';
}

/** An object of the program: its facts, and (for the syscall analysis) its content hash and parsed file. */
interface Source extends ClosureObject {
  facts: ObjectFacts;
  sha256: string;
  /** The parsed file, when it was parsed (the facts were not cached); parsedElf parses it otherwise. */
  parsed?: ElfFile;
  /** The file's bytes, when they were read to hash it. */
  bytes?: Uint8Array;
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

function programPath(path: string): string {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new InputError(`${path}: no such file`);
  if (!statSync(abs).isFile()) throw new InputError(`${path}: not a regular file`);
  return abs;
}

/**
 * An object with its facts from the cache by its content hash, or parsed (and its facts cached).
 * `file`: its hash (and bytes, and the parse made of them) when they are known already.
 */
function openCached(path: string, cacheDir: string, file: HashedFile & { beside?: ElfFile } = hashFile(path, cacheDir)): Source {
  const known = readEntry<ObjectFacts>(cacheDir, 'facts', file.sha256);
  if (known !== undefined) return { path, elf: known.loader, facts: known, sha256: file.sha256, bytes: file.bytes, parsed: file.beside };
  const bytes = file.bytes ?? readVerified(path, file.sha256);
  const parsed = file.beside ?? readElf(bytes, path);
  const facts = objectFacts(parsed);
  writeEntry(cacheDir, 'facts', file.sha256, facts);
  return { path, elf: facts.loader, facts, sha256: file.sha256, parsed, bytes };
}

/** The file's bytes, which must still be those hashed: a file changed during the analysis is an error, never a summary under the wrong hash. */
function readVerified(path: string, hash: string): Uint8Array {
  const bytes = readBytes(path);
  if (sha256(bytes) !== hash) throw new InputError(`${path}: changed during the analysis; run it again`);
  return bytes;
}

function bytesOf(s: Source): Uint8Array {
  s.bytes ??= readVerified(s.path, s.sha256);
  return s.bytes;
}

function parsedElf(s: Source): ElfFile {
  s.parsed ??= readElf(bytesOf(s), s.path);
  return s.parsed;
}

/** The absolute paths the objects name, each with the objects that name it. */
function pathsNamedBy(objects: readonly Source[]): NamedPath[] {
  const byPath = new Map<string, string[]>();
  for (const o of objects) {
    for (const path of o.facts.namedPaths) byPath.set(path, [...(byPath.get(path) ?? []), o.path]);
  }
  return [...byPath].map(([path, namedBy]) => ({ path, namedBy }));
}

function filesOf(program: Source, closure: { libraries: ProgramFiles['libraries']; objects: Source[] }): ProgramFiles {
  return {
    binary: program.path,
    type: program.facts.kind,
    interpreter: program.facts.loader.interpreter ?? null,
    libraries: closure.libraries,
    paths: pathsNamedBy([program, ...closure.objects]),
    usesIconv: program.facts.importsIconv,
  };
}

/** What the program is made of (its libraries, the paths it names), without the syscall analysis. */
export function analyzeFiles(path: string): ProgramFiles {
  const open = (p: string): Source => {
    const elf = readObject(p).elf;
    const facts = objectFacts(elf);
    return { path: p, elf: facts.loader, facts, sha256: '', parsed: elf };
  };
  const program = open(programPath(path));
  return filesOf(program, closureOf(program, open));
}

/**
 * Each object's summary, from the cache or analyzed (side by side, see object-pool.ts), in `order`:
 * dependencies first (the loader, then libraries from the leaves up), so that each object is
 * analyzed knowing which of its imports take a syscall number (glibc's syscall()): the forwarders the
 * objects before it export, merged in order, exactly as one after the other.
 */
async function summarize(order: Source[], cacheDir: string, pool: ObjectPool, onProgress?: (message: string) => void): Promise<Map<Source, ObjectSummary>> {
  const summaries = new Map<Source, ObjectSummary>();
  const forwarders = new Map<string, number[]>();
  let earlier: Promise<void> = Promise.resolve();
  for (const [i, o] of order.entries()) {
    const before = earlier;
    const assumed = before.then(() => {
      const keys = new Set(o.facts.importKeys);
      return new Map([...forwarders].filter(([k]) => keys.has(k)));
    });
    const summary = (async (): Promise<ObjectSummary> => {
      // An object the cache has no entry for is analyzed at once; else the entry is checked once its assumptions are known.
      if (hasCached(cacheDir, o.sha256)) {
        const cached = loadCached(cacheDir, o.sha256, Object.fromEntries(await assumed));
        if (cached !== undefined) return cached;
      }
      const onStart = (): void => onProgress?.(`analyzing ${basename(o.path)} (${i + 1}/${order.length})`);
      return pool.analyze({ path: o.path, sha256: o.sha256, bytes: () => bytesOf(o), elf: () => parsedElf(o), assumed, onStart });
    })();
    earlier = before.then(async () => {
      const s = await summary;
      summaries.set(o, s);
      exportedForwarders(s, forwarders);
    });
    // After a failure the later promises settle unawaited: the first failure is the one thrown.
    summary.catch(() => undefined);
    assumed.catch(() => undefined);
  }
  await earlier;
  return summaries;
}

/** The program, opened as openCached does; a large one is hashed on another thread while it is parsed. */
async function openProgram(path: string, cacheDir: string): Promise<Source> {
  if (statSync(path).size < largeProgram) return openCached(path, cacheDir);
  return openCached(path, cacheDir, await hashFileBeside(path, cacheDir, (bytes) => readElf(bytes, path)));
}

export async function analyzeProgram(path: string, options: AnalyzeOptions = {}): Promise<Analysis> {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const program = await openProgram(programPath(path), cacheDir);
  // The program's facts were not cached: the analysis is most likely cold, and the workers load meanwhile.
  const cold = program.parsed !== undefined;
  const pool = new ObjectPool(cacheDir, options.threads ?? ((program.bytes?.length ?? 0) >= largeProgram ? availableParallelism() : 1));
  try {
    if (cold) pool.startWorkers();
    return await analyzeWith(program, cacheDir, pool, options);
  } finally {
    await pool.close();
  }
}

async function analyzeWith(program: Source, cacheDir: string, pool: ObjectPool, options: AnalyzeOptions): Promise<Analysis> {
  const closure = closureOf(program, (p) => openCached(p, cacheDir));
  const files = filesOf(program, closure);
  const loadOrder = [program, ...closure.objects];
  const key = programKey(loadOrder, options.paths === true);
  const known = loadProgram(cacheDir, key);
  if (known !== undefined) return toAnalysis(files, known.linked, known.doubts);
  const summaries = await summarize([...loadOrder].reverse(), cacheDir, pool, options.onProgress);
  const linked = link(loadOrder.map((o) => ({ path: o.path, summary: summaries.get(o) as ObjectSummary })), program.facts.kind === 'shared-library', options.paths === true);
  const doubts = loadOrder.flatMap((o) => Object.entries((summaries.get(o) as ObjectSummary).doubts).map(([reason, count]) => ({ object: o.path, reason, count })));
  storeProgram(cacheDir, key, { linked, doubts });
  return toAnalysis(files, linked, doubts);
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
    sites: linked.sites,
    unresolved,
    abi32Sites: linked.abi32,
    doubts,
    coverage,
  };
}
