// The whole program: bind imports to exports across objects (by name and version, in load order),
// walk what is reachable from the entry points, and collect the syscall numbers of the reachable
// sites, resolving numbers passed through functions like syscall() at their callers.
import type { PathHow, PathStep, SyscallOrigin, SyscallSite, UnresolvedSite } from './analysis.js';
import { paramName } from './code/dataflow.js';
import type { FunctionSummary, ObjectSummary } from './summary.js';

export interface LinkedObject {
  path: string;
  summary: ObjectSummary;
}

export interface SyscallSources {
  /** "object:address" of each site that can issue the number. */
  sites: Set<string>;
  /** "object\0function" -> origin. */
  from: Map<string, SyscallOrigin>;
}

export interface LinkResult {
  syscalls: Map<number, SyscallSources>;
  sites: SyscallSite[];
  unresolved: UnresolvedSite[];
  abi32: UnresolvedSite[];
  reachableFunctions: number;
}

type Ref = { obj: number; fn: number };
/** How a reachable function was first reached: from which function (none for a root), and how. */
type ReachedBy = { how: PathHow; prev?: Ref };

const hex = (a: number): string => `0x${a.toString(16)}`;

/**
 * With `paths`, each origin of a syscall carries a shortest chain of functions from a root to it
 * (reachability is breadth-first, so the first way a function is reached is a shortest one).
 */
export function link(objects: LinkedObject[], allExportsAreRoots: boolean, paths = false): LinkResult {
  const fns = objects.map((o) => new Map(o.summary.functions.map((f) => [f.start, f])));
  const exportsByName = new Map<string, { obj: number; addr: number; version?: string }[]>();
  objects.forEach((o, obj) => {
    for (const e of o.summary.exports) {
      const list = exportsByName.get(e.name) ?? [];
      list.push({ obj, addr: e.addr, version: e.version });
      exportsByName.set(e.name, list);
    }
  });
  const bindCache = new Map<string, Ref | undefined>();
  const bind = (key: string): Ref | undefined => {
    if (bindCache.has(key)) return bindCache.get(key);
    const at = key.indexOf('@');
    const name = at < 0 ? key : key.slice(0, at);
    const version = at < 0 ? undefined : key.slice(at + 1);
    const list = exportsByName.get(name) ?? [];
    const hit = list.find((e) => version !== undefined && e.version === version) ?? list[0];
    const ref = hit === undefined ? undefined : { obj: hit.obj, fn: hit.addr };
    bindCache.set(key, ref);
    return ref;
  };

  // Reachability, breadth-first. `opaque` marks functions reached other than by a direct call (pointers, roots).
  const reached = objects.map(() => new Map<number, ReachedBy>());
  const opaque = objects.map(() => new Set<number>());
  const work: Ref[] = [];
  const reach = (r: Ref | undefined, how: PathHow, prev?: Ref): void => {
    if (r === undefined || !fns[r.obj].has(r.fn)) return;
    if (how !== 'call' && how !== 'import') opaque[r.obj].add(r.fn);
    if (reached[r.obj].has(r.fn)) return;
    reached[r.obj].set(r.fn, { how, prev });
    work.push(r);
  };
  objects.forEach((o, obj) => {
    for (const a of o.summary.roots) reach({ obj, fn: a }, 'root');
    for (const a of o.summary.dataRefs) reach({ obj, fn: a }, 'data');
  });
  objects.forEach((o) => {
    for (const k of o.summary.dataImports) reach(bind(k), 'data');
  });
  if (allExportsAreRoots) for (const e of objects[0].summary.exports) reach({ obj: 0, fn: e.addr }, 'export');
  for (let next = 0; next < work.length; next++) {
    const from = work[next];
    const f = fns[from.obj].get(from.fn) as FunctionSummary;
    for (const c of f.calls) reach({ obj: from.obj, fn: c }, 'call', from);
    for (const c of f.refs) reach({ obj: from.obj, fn: c }, 'pointer', from);
    for (const k of f.imports) reach(bind(k), 'import', from);
    for (const k of f.importRefs) reach(bind(k), 'import-pointer', from);
    // Looked up by name (dlsym, dlvsym): every object's export of that name.
    for (const name of f.names ?? []) for (const e of exportsByName.get(name) ?? []) reach({ obj: e.obj, fn: e.addr }, 'name', from);
  }

  const unresolved: UnresolvedSite[] = [];
  const nameOf = (obj: number, fn: number): string => fns[obj].get(fn)?.name ?? `sub_${fn.toString(16)}`;
  const pathTo = (r: Ref): PathStep[] => {
    const steps: PathStep[] = [];
    for (let at: Ref | undefined = r; at !== undefined; ) {
      const by = reached[at.obj].get(at.fn) as ReachedBy;
      steps.push({ object: objects[at.obj].path, function: nameOf(at.obj, at.fn), how: by.how });
      at = by.prev;
    }
    return steps.reverse();
  };
  const flag = (obj: number, addr: number, fn: number, reason: string): void => {
    unresolved.push({ object: objects[obj].path, address: hex(addr), function: nameOf(obj, fn), reason });
  };

  // Calls into forwarders, indexed by the (object, function, register) they feed.
  const incoming = new Map<string, { obj: number; call: ObjectSummary['forwardCalls'][number] }[]>();
  objects.forEach((o, obj) => {
    for (const call of o.summary.forwardCalls) {
      if (!reached[obj].has(call.caller)) continue;
      const target = typeof call.callee === 'number' ? { obj, fn: call.callee } : bind(call.callee);
      if (target === undefined) continue;
      const key = `${target.obj}:${target.fn}:${call.reg}`;
      const list = incoming.get(key) ?? [];
      list.push({ obj, call });
      incoming.set(key, list);
    }
  });
  const memo = new Map<string, Map<number, Ref>>();
  const visiting = new Set<string>();
  /** Numbers that reach argument `reg` of a forwarder from its reachable callers, each with a caller that passes it as a constant. */
  const numbersOf = (obj: number, fn: number, reg: number, siteAddr: number): Map<number, Ref> => {
    const key = `${obj}:${fn}:${reg}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    const out = new Map<number, Ref>();
    if (visiting.has(key)) return out;
    visiting.add(key);
    const callers = incoming.get(key) ?? [];
    if (opaque[obj].has(fn) || callers.length === 0) {
      flag(obj, siteAddr, fn, `number comes from argument ${paramName(reg)} of ${nameOf(obj, fn)}, which is called through a pointer`);
    }
    for (const { obj: cobj, call } of callers) {
      for (const n of call.nrs) if (!out.has(n)) out.set(n, { obj: cobj, fn: call.caller });
      for (const reason of call.unresolved) flag(cobj, call.addr, call.caller, `number passed to ${nameOf(obj, fn)}: ${reason}`);
      for (const p of call.params) for (const [n, giver] of numbersOf(cobj, call.caller, p, call.addr)) if (!out.has(n)) out.set(n, giver);
    }
    visiting.delete(key);
    memo.set(key, out);
    return out;
  };

  const syscalls = new Map<number, SyscallSources>();
  const sites: SyscallSite[] = [];
  const abi32: UnresolvedSite[] = [];
  let reachableFunctions = 0;
  objects.forEach((o, obj) => {
    for (const fn of reached[obj].keys()) {
      reachableFunctions++;
      const f = fns[obj].get(fn) as FunctionSummary;
      for (const a of f.abi32) abi32.push({ object: o.path, address: hex(a), function: f.name, reason: '32-bit syscall ABI (int 0x80 or sysenter)' });
      for (const site of f.sites) {
        // Each number, with the caller that passes it when it comes through an argument.
        const nrs = new Map<number, Ref | undefined>(site.nrs.map((n) => [n, undefined]));
        for (const p of site.params) for (const [n, giver] of numbersOf(obj, fn, p, site.addr)) if (!nrs.has(n)) nrs.set(n, giver);
        for (const reason of site.unresolved) flag(obj, site.addr, fn, reason);
        const linked: SyscallSite = { object: o.path, address: site.addr, nrs: [...nrs.keys()].sort((a, b) => a - b) };
        if (site.window !== undefined) linked.window = site.window;
        if (site.unpatchable !== undefined) linked.unpatchable = site.unpatchable;
        sites.push(linked);
        for (const [n, giver] of nrs) {
          const s = syscalls.get(n) ?? { sites: new Set<string>(), from: new Map() };
          s.sites.add(`${obj}:${site.addr}`);
          const key = `${o.path}\0${f.name}`;
          if (!s.from.has(key)) {
            const origin: SyscallOrigin = { object: o.path, function: f.name };
            if (paths) origin.path = giver === undefined ? pathTo({ obj, fn }) : [...pathTo(giver), { object: o.path, function: f.name, how: 'number' }];
            s.from.set(key, origin);
          }
          syscalls.set(n, s);
        }
      }
    }
  });
  sites.sort((a, b) => a.object.localeCompare(b.object) || a.address - b.address);
  return { syscalls, sites, unresolved: dedupeSites(unresolved), abi32, reachableFunctions };
}

function dedupeSites(list: UnresolvedSite[]): UnresolvedSite[] {
  const seen = new Set<string>();
  return list.filter((u) => {
    const k = `${u.object}\0${u.address}\0${u.reason}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
