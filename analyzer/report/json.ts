// The JSON report: a stable shape for scripts, built field by field so that it does not change
// when the Analysis type grows.
import type { Analysis, UnresolvedSite } from '../analysis.js';

function site(u: UnresolvedSite): { address: string; function: string; reason: string; object: string } {
  return { address: u.address, function: u.function, reason: u.reason, object: u.object };
}

export function jsonReport(a: Analysis): unknown {
  return {
    binary: a.binary,
    arch: a.arch,
    type: a.type,
    interpreter: a.interpreter,
    libraries: a.libraries.map((l) => ({ soname: l.soname, path: l.path, neededBy: [...l.neededBy] })),
    syscalls: a.syscalls.map((s) => ({
      nr: s.nr,
      name: s.name,
      status: s.status,
      note: s.note,
      sites: s.sites,
      from: s.from.map((o) => ({ object: o.object, function: o.function })),
    })),
    unresolved: a.unresolved.map(site),
    abi32Sites: a.abi32Sites.map(site),
    doubts: a.doubts.map((d) => ({ object: d.object, reason: d.reason, count: d.count })),
    coverage: { ...a.coverage },
  };
}

export function renderJson(a: Analysis): string {
  return `${JSON.stringify(jsonReport(a), null, 2)}\n`;
}
