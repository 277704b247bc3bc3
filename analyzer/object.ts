// Analysis of one object (the program or one library) on its own: functions, syscall sites and their
// numbers, calls, imports, addresses taken, and the functions that pass a syscall number on.
import { decodeFunction, type DecodedFunction, Flow, type GapMode, hasTarget, type ReadData, RegionDecoder } from './code/decode.js';
import { valuesBefore, type ValueSet } from './code/dataflow.js';
import { forEachWord } from './data-words.js';
import { flowContext, SemanticsCache } from './code/semantics.js';
import { RAX, RSI } from './code/regs.js';
import { type ElfFile, executableRegions, PF_W, PT_LOAD, readAtVaddr } from './elf/index.js';
import { codeImage, dataReader, type DecodeHelpers, decodeShared } from './shared-decode.js';
import { type CodeRange, functionBounds, type FunctionBounds, functionNames, rootAddresses } from './functions.js';
import { gotSlots, type ImportTarget, pltStubs } from './imports.js';
import { binaryKind } from './kind.js';
import { exportNamer, exportsNamedFromData, identifierReader, lookupFunctions, tableNamesReader } from './named-exports.js';
import { setPatchWindows } from './site-windows.js';
import { type ForwardCall, type FunctionSummary, type ObjectSummary, type SiteSummary, summaryVersion } from './summary.js';

const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHT_PROGBITS = 1;
const SHT_INIT_ARRAY = 14;
const SHT_FINI_ARRAY = 15;
const SHT_PREINIT_ARRAY = 16;
const dataSectionTypes = new Set([SHT_PROGBITS, SHT_INIT_ARRAY, SHT_FINI_ARRAY, SHT_PREINIT_ARRAY]);
const SHF_ALLOC = 2n;
const SHF_EXECINSTR = 4n;
const ET_EXEC = 2;
const yieldEvery = 2000;

interface Region {
  dec: RegionDecoder;
  sem: SemanticsCache;
  start: number;
  end: number;
}

interface Work {
  bounds: FunctionBounds;
  gaps: GapMode;
  code?: DecodedFunction;
  summary?: FunctionSummary;
}

/** Calls found by the walk, as columns: no object per call (node's code makes a million calls). */
class Calls {
  readonly fns: Work[] = [];
  /** The call's instruction, by index in its function's code. */
  readonly indexes: number[] = [];
  /** A local function start, or an import key. */
  readonly callees: (number | string)[] = [];

  get length(): number {
    return this.fns.length;
  }

  add(fn: Work, index: number, callee: number | string): void {
    this.fns.push(fn);
    this.indexes.push(index);
    this.callees.push(callee);
  }
}

/** Import keys -> the argument registers those imports take a syscall number in. */
export type ImportedForwarders = ReadonlyMap<string, readonly number[]>;

/**
 * Analyze one ELF object. `importedForwarders` gives its imports that take a syscall number in an
 * argument; they are asked for only once the object's code is decoded and its sites resolved, so that
 * this work can run while the libraries that export them are still being analyzed. `helpers`, when
 * given, decode part of the functions known from the start on other threads.
 */
export async function analyzeObject(elf: ElfFile, sha256: string, importedForwarders: () => Promise<ImportedForwarders>, helpers?: DecodeHelpers): Promise<ObjectSummary> {
  const regions: Region[] = executableRegions(elf).map((r) => {
    const region = { base: Number(r.vaddr), bytes: r.bytes };
    const dec = new RegionDecoder(region);
    return { dec, sem: new SemanticsCache(region, dec), start: region.base, end: region.base + r.bytes.length };
  });
  try {
    return await analyze(elf, sha256, importedForwarders, regions, helpers);
  } finally {
    for (const r of regions) {
      r.dec.free();
      r.sem.free();
    }
  }
}

async function analyze(elf: ElfFile, sha256: string, forwardersImported: () => Promise<ImportedForwarders>, regions: Region[], helpers: DecodeHelpers | undefined): Promise<ObjectSummary> {
  const regionOf = (a: number): Region | undefined => {
    for (const r of regions) if (a >= r.start && a < r.end) return r;
    return undefined;
  };
  const readData = dataReader(elf);
  const readOnly = elf.programHeaders.filter((p) => p.type === PT_LOAD && (p.flags & PF_W) === 0);
  const readConst: ReadData = (addr, size) => {
    const a = BigInt(addr);
    return readOnly.some((p) => a >= p.vaddr && a + BigInt(size) <= p.vaddr + p.filesz) ? readData(addr, size) : undefined;
  };
  const slots = gotSlots(elf);
  const stubs = pltStubs(elf, (a) => regionOf(a)?.dec, slots);
  const roots = rootAddresses(elf);
  const ranges: CodeRange[] = regions.map((r) => ({ start: r.start, end: r.end }));
  const names = functionNames(elf);
  const exports = exportsOf(elf);
  const namer = exportNamer(elf, exports);
  const identifierAt = identifierReader(elf);

  // Function table: known bounds first; calls and references found while decoding add more.
  let bounds = functionBounds(elf, ranges, roots, names);
  let gapMode: GapMode = 'clean';
  if (!bounds.some((b) => b.trusted)) {
    // No symbols and no FDEs: sweep every code region linearly from its start.
    gapMode = 'resync';
    const rootSet = new Set(roots);
    bounds = ranges
      .filter((r) => !stubs.has(r.start))
      .map((r) => ({ start: r.start, end: r.end, limit: r.end, name: names.get(r.start) ?? `sub_${r.start.toString(16)}`, trusted: false }))
      .concat(
        [...rootSet]
          .filter((a) => !ranges.some((r) => r.start === a))
          .flatMap((a) => {
            // A root is followed by control flow up to the end of its region: there is no bound to stop at.
            const r = ranges.find((x) => a >= x.start && a < x.end);
            return r === undefined ? [] : [{ start: a, end: r.end, limit: r.end, name: names.get(a) ?? `sub_${a.toString(16)}`, trusted: false }];
          }),
      );
  }
  const table = new Map<number, Work>();
  const sorted: number[] = [];
  const addFunction = (b: FunctionBounds, gaps: GapMode): Work => {
    const w: Work = { bounds: b, gaps };
    table.set(b.start, w);
    insertSorted(sorted, b.start);
    return w;
  };
  for (const b of bounds) addFunction(b, b.trusted ? gapMode : gapMode === 'resync' ? 'resync' : 'none');

  /**
   * The function starting at addr, created when the address is new: call targets and addresses taken
   * are function entries even inside another function's bounds (glibc's signal trampoline has an FDE
   * starting one byte early, so only its address, taken by sigaction, decodes it correctly).
   */
  const functionAt = (addr: number): Work | undefined => {
    const known = table.get(addr);
    if (known !== undefined) return known;
    const r = regionOf(addr);
    if (r === undefined || stubs.has(addr)) return undefined;
    const i = upperBound(sorted, addr) - 1;
    const outer = i >= 0 ? (table.get(sorted[i]) as Work) : undefined;
    const next = i + 1 < sorted.length ? Math.min(sorted[i + 1], r.end) : r.end;
    const end = outer !== undefined && outer.bounds.trusted && addr < outer.bounds.end ? outer.bounds.end : next;
    return addFunction({ start: addr, end, limit: end, name: names.get(addr) ?? `sub_${addr.toString(16)}`, trusted: false }, 'none');
  };

  const calls = new Calls();
  /** Identifiers spelled by strings each function takes the address of. */
  const codeNames = new Map<Work, string[]>();
  const pending = [...table.values()];
  let decodedBytes = 0;
  const decode = (w: Work): void => {
    const r = regionOf(w.bounds.start) as Region;
    const before = r.dec.decodedBytes;
    w.code = decodeFunction(r.dec, w.bounds.start, w.bounds.start, w.bounds.limit, readData, w.gaps, w.bounds.end);
    decodedBytes += r.dec.decodedBytes - before;
  };
  // The functions known from the start are all decoded, whatever order the walk takes: helpers can
  // share that work. The walk (in its own order: it adds functions) then decodes only the new ones.
  if (helpers !== undefined) decodedBytes += await decodeShared(pending.filter((w) => regionOf(w.bounds.start) !== undefined), codeImage(elf, sha256), helpers, decode);
  const decodePending = async (): Promise<void> => {
    for (let n = 1; pending.length > 0; n++) {
      // Now and then, let the thread's other work run (the object pool's messages).
      if (n % yieldEvery === 0) await new Promise((r) => setImmediate(r));
      const w = pending.pop() as Work;
      if (w.summary !== undefined || regionOf(w.bounds.start) === undefined) continue;
      if (w.code === undefined) decode(w);
      const s: FunctionSummary = { start: w.bounds.start, name: w.bounds.name, calls: [], imports: [], refs: [], importRefs: [], sites: [], abi32: [] };
      w.summary = s;
      const code = w.code as DecodedFunction;
      const callTo = (target: ImportTarget | number, index: number, asRef: boolean): void => {
        if (typeof target === 'object' && target.kind === 'import') {
          (asRef ? s.importRefs : s.imports).push(target.key);
          if (!asRef) calls.add(w, index, target.key);
          return;
        }
        const addr = typeof target === 'number' ? target : target.addr;
        const callee = functionAt(addr);
        if (callee === undefined) return;
        if (callee.summary === undefined) pending.push(callee);
        if (callee === w && asRef) return;
        (asRef ? s.refs : s.calls).push(addr);
        if (!asRef) calls.add(w, index, addr);
      };
      // Columns and bounds in locals: the calls below would make V8 read them again each time.
      const { addrs, flows, targets, refs, jumpTables } = code;
      const { start, limit } = w.bounds;
      for (let i = 0; i < addrs.length; i++) {
        const f = flows[i];
        const t = targets[i];
        const ref = refs[i];
        if (f === Flow.Abi32) s.abi32.push(addrs[i]);
        if (f === Flow.Call || ((f === Flow.Jump || f === Flow.CondJump) && (t < start || t >= limit))) {
          const stub = stubs.get(t);
          callTo(stub ?? t, i, false);
        } else if ((f === Flow.IndirectCall || f === Flow.IndirectJump) && !Number.isNaN(ref)) {
          const slot = slots.get(ref);
          if (slot !== undefined) callTo(slot, i, false);
        }
        // Jump-table cases outside the function: tail calls.
        if (f === Flow.IndirectJump) for (const c of jumpTables.get(addrs[i]) ?? []) if (c < start || c >= limit) callTo(c, i, false);
        if (f === Flow.Next && !Number.isNaN(ref)) {
          const target = stubs.get(ref) ?? slots.get(ref);
          if (target !== undefined) callTo(target, i, true);
          else if (regionOf(ref) !== undefined) callTo(ref, i, true);
          else {
            const named = namer(ref);
            if (named !== undefined) callTo(named, i, true);
            const id = identifierAt(ref);
            if (id !== undefined) {
              const spelled = codeNames.get(w);
              if (spelled === undefined) codeNames.set(w, [id]);
              else spelled.push(id);
            }
          }
        }
      }
    }
  };
  await decodePending();

  // Code that data points at (function pointer tables, init and fini arrays, IFUNC resolvers): a
  // known function, else a new function decoded from there, else (an address inside a decoded
  // function, not one of its own jump-table cases) the function holding it.
  const pointed = codePointersInData(elf, regions, ranges);
  const dataStarts = new Set<number>();
  const dataImports = new Set<string>();
  let newStarts = 0;
  let interior = 0;
  for (const v of pointed) {
    const stub = stubs.get(v);
    if (stub !== undefined) {
      if (stub.kind === 'import') dataImports.add(stub.key);
      else dataStarts.add(stub.addr);
      continue;
    }
    if (table.has(v)) {
      dataStarts.add(v);
      continue;
    }
    const i = upperBound(sorted, v) - 1;
    const outer = i >= 0 ? table.get(sorted[i]) : undefined;
    const code = outer?.code;
    if (outer !== undefined && code !== undefined && v < outer.bounds.limit && hasSorted(code.addrs, v)) {
      if (isJumpTableCase(code, v)) continue;
      dataStarts.add(outer.bounds.start);
      interior++;
      continue;
    }
    const w = functionAt(v);
    if (w === undefined) continue;
    if (w.summary === undefined) pending.push(w);
    dataStarts.add(v);
    newStarts++;
  }
  await decodePending();

  // Syscall numbers at each site.
  const works = [...table.values()].filter((w) => w.code !== undefined && w.summary !== undefined);
  const contexts = new Map<Work, ReturnType<typeof flowContext>>();
  const contextOf = (w: Work): ReturnType<typeof flowContext> => {
    let c = contexts.get(w);
    if (c === undefined) {
      c = flowContext(w.code as DecodedFunction, (regionOf(w.bounds.start) as Region).sem, readConst);
      contexts.set(w, c);
    }
    return c;
  };
  const forwarders = new Map<number, Set<number>>();
  const addForwarder = (fn: number, reg: number): boolean => {
    const set = forwarders.get(fn) ?? new Set<number>();
    forwarders.set(fn, set);
    if (set.has(reg)) return false;
    set.add(reg);
    return true;
  };
  for (const w of works) {
    const code = w.code as DecodedFunction;
    code.flows.forEach((f, i) => {
      if (f !== Flow.Syscall) return;
      const site = toSite(code.addrs[i], valuesBefore(contextOf(w), i, RAX));
      (w.summary as FunctionSummary).sites.push(site);
      for (const p of site.params) addForwarder(w.bounds.start, p);
    });
  }
  const landings = new Set(sorted);
  for (const a of pointed) landings.add(a);
  for (const e of exports) landings.add(e.addr);
  setPatchWindows(works.map((w) => ({ code: w.code as DecodedFunction, summary: w.summary as FunctionSummary, dec: (regionOf(w.bounds.start) as Region).dec })), landings);

  // Functions passing a number on: resolve it at their call sites, until no new forwarder appears.
  const importedForwarders = await forwardersImported();
  const forwardCalls: ForwardCall[] = [];
  const done = new Set<string>();
  const none: readonly number[] = [];
  const calleeRegs = (callee: number | string): readonly number[] => {
    if (typeof callee === 'string') return importedForwarders.get(callee) ?? none;
    const regs = forwarders.get(callee);
    return regs === undefined ? none : [...regs];
  };
  let changed = true;
  while (changed) {
    changed = false;
    for (let k = 0; k < calls.length; k++) {
      const fn = calls.fns[k];
      const index = calls.indexes[k];
      const callee = calls.callees[k];
      for (const reg of calleeRegs(callee)) {
        const key = `${fn.bounds.start}:${index}:${reg}`;
        if (done.has(key)) continue;
        done.add(key);
        const site = toSite(0, valuesBefore(contextOf(fn), index, reg));
        const code = fn.code as DecodedFunction;
        forwardCalls.push({ caller: fn.bounds.start, addr: code.addrs[index], callee, reg, nrs: site.nrs, params: site.params, unresolved: site.unresolved });
        for (const p of site.params) if (addForwarder(fn.bounds.start, p)) changed = true;
        changed = true;
      }
    }
  }

  // Functions looked up by name: the string passed to dlsym or dlvsym. When the analysis cannot see
  // it, every name the calling function spells counts, and every name a table it points at holds (a
  // loop passing each name of an array to dlsym); the report says it was unsure.
  const tableNames = tableNamesReader(elf, identifierAt);
  const namesInTables = (w: Work): string[] => {
    const code = w.code as DecodedFunction;
    const dec = (regionOf(w.bounds.start) as Region).dec;
    const out: string[] = [];
    for (let i = 0; i < code.addrs.length; i++) {
      const ref = hasTarget(code.flows[i]) ? NaN : code.refs[i];
      if (!Number.isNaN(ref) && regionOf(ref) === undefined) out.push(...tableNames(ref));
      const indexed = code.flows[i] === Flow.Next ? dec.indexedTable(code.addrs[i]) : NaN;
      if (!Number.isNaN(indexed)) out.push(...tableNames(indexed));
    }
    return out;
  };
  const isLookup = new Map<number | string, boolean>();
  const looksUp = (callee: number | string): boolean => {
    let known = isLookup.get(callee);
    if (known === undefined) {
      const name = typeof callee === 'string' ? callee.split('@')[0] : table.get(callee)?.bounds.name;
      known = name !== undefined && lookupFunctions.has(name);
      isLookup.set(callee, known);
    }
    return known;
  };
  let unseenNames = 0;
  for (let k = 0; k < calls.length; k++) {
    if (!looksUp(calls.callees[k])) continue;
    const fn = calls.fns[k];
    const v = valuesBefore(contextOf(fn), calls.indexes[k], RSI);
    const found = [...v.consts].map((c) => identifierAt(Number(BigInt.asUintN(64, c))));
    const s = fn.summary as FunctionSummary;
    const names = (s.names ??= []);
    for (const n of found) if (n !== undefined) names.push(n);
    if (v.unknown.size > 0 || v.params.size > 0 || found.includes(undefined)) {
      unseenNames++;
      names.push(...(codeNames.get(fn) ?? []), ...namesInTables(fn));
    }
  }

  const functions = works.map((w) => dedupe(w.summary as FunctionSummary));
  const starts = new Set(functions.map((f) => f.start));
  return {
    version: summaryVersion,
    sha256,
    kind: binaryKind(elf),
    functions,
    exports,
    roots: [...new Set([...roots, ...exportsNamedFromData(elf, namer)])].filter((a) => starts.has(a)),
    dataRefs: [...dataStarts].filter((a) => starts.has(a)).sort((a, b) => a - b),
    dataImports: [...dataImports].sort(),
    doubts: doubtCounts(newStarts, interior, unseenNames, works.reduce((n, w) => n + (w.code as DecodedFunction).unboundedTables, 0)),
    forwarders: [...forwarders].flatMap(([fn, regs]) => [...regs].map((reg) => ({ fn, reg }))),
    forwardCalls,
    assumedImports: Object.fromEntries([...importedForwarders].map(([k, v]) => [k, [...v]])),
    decodedBytes,
  };
}

function toSite(addr: number, v: ValueSet): SiteSummary {
  return {
    addr,
    nrs: [...v.consts].map((c) => Number(BigInt.asIntN(64, c))).sort((a, b) => a - b),
    params: [...v.params].sort((a, b) => a - b),
    unresolved: [...v.unknown],
  };
}

/** The summary with each list's repeats removed (first occurrences kept, in order), in place. */
function dedupe(s: FunctionSummary): FunctionSummary {
  s.calls = unique(s.calls);
  s.imports = unique(s.imports);
  s.refs = unique(s.refs);
  s.importRefs = unique(s.importRefs);
  if (s.names !== undefined) s.names = unique(s.names);
  return s;
}

/** The list without repeats, first occurrences in order (a short one without a Set: most lists are short, and there are many). */
function unique<T>(a: T[]): T[] {
  if (a.length < 2) return a;
  if (a.length > 16) return [...new Set(a)];
  const out: T[] = [];
  for (let i = 0; i < a.length; i++) if (!out.includes(a[i])) out.push(a[i]);
  return out.length === a.length ? a : out;
}

function exportsOf(elf: ElfFile): ObjectSummary['exports'] {
  return elf.dynamicSymbols
    .filter((s) => (s.type === STT_FUNC || s.type === STT_GNU_IFUNC) && s.shndx !== 0 && s.bind !== 0 && s.name !== '')
    .map((s) => ({ name: s.name, version: s.version, addr: Number(s.value) }));
}

/**
 * Addresses inside code that data holds: RELATIVE/IRELATIVE relocation addends (PIE and libraries,
 * IFUNC resolvers of static programs), and for fixed-address executables, which carry no relocation
 * for them, every aligned 8-byte word of loaded data that lands in code: data sections, init, fini
 * and preinit arrays (or every loaded segment outside the code, for a file without section headers).
 */
function codePointersInData(elf: ElfFile, regions: readonly Region[], code: readonly CodeRange[]): Set<number> {
  const out = new Set<number>();
  const lo = Math.min(...code.map((r) => r.start));
  const hi = Math.max(...code.map((r) => r.end));
  const inCode = (a: number): boolean => a >= lo && a < hi && regions.some((r) => a >= r.start && a < r.end);
  for (const r of elf.relocations) {
    if (r.type === 8 || r.type === 37) {
      const a = Number(r.addend);
      if (inCode(a)) out.add(a);
    }
  }
  if (elf.header.type !== ET_EXEC || code.length === 0) return out;
  const scan = (addr: bigint, size: bigint): void => {
    const b = readAtVaddr(elf, addr, Number(size));
    if (b === undefined) return;
    forEachWord(
      b,
      addr,
      (at, v) => {
        if (!inCode(at) && inCode(v)) out.add(v);
      },
      { lo, hi },
    );
  };
  if (elf.sections.length > 0) {
    for (const s of elf.sections) {
      if (!dataSectionTypes.has(s.type) || (s.flags & SHF_ALLOC) === 0n || (s.flags & SHF_EXECINSTR) !== 0n) continue;
      scan(s.addr, s.size);
    }
  } else {
    for (const p of elf.programHeaders) if (p.type === PT_LOAD) scan(p.vaddr, p.filesz);
  }
  return out;
}

function isJumpTableCase(code: DecodedFunction, addr: number): boolean {
  if (code.jumpTables.size === 0) return false;
  for (const targets of code.jumpTables.values()) if (targets.includes(addr)) return true;
  return false;
}

function hasSorted(a: ArrayLike<number>, x: number): boolean {
  const i = upperBound(a, x) - 1;
  return i >= 0 && a[i] === x;
}

/** What the analysis of one object is unsure about, as counts by reason (said in the report, never dropped). */
function doubtCounts(newStarts: number, interior: number, unseenNames: number, unboundedTables: number): Record<string, number> {
  const out: Record<string, number> = {};
  if (unseenNames > 0) out['dlsym or dlvsym called with a name the analysis cannot see (every name the caller spells, or a table it points at holds, counts)'] = unseenNames;
  if (unboundedTables > 0) out['jumps through a table whose bound the analysis cannot find (entries followed while they land in the function; a case elsewhere is not seen)'] = unboundedTables;
  if (newStarts > 0) out['code addresses found only in data, decoded as functions'] = newStarts;
  if (interior > 0) out['data points inside a function (the whole function counts as reachable)'] = interior;
  return out;
}

function upperBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertSorted(a: number[], x: number): void {
  a.splice(upperBound(a, x), 0, x);
}

