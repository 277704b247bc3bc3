// The terminal report of `ukify analyze`: header, syscall table, unresolved and 32-bit sites, summary.
import type { Analysis, UnresolvedSite } from '../analysis.js';
import { noPaint, type Paint } from './color.js';
import { originSummary } from './origins.js';
import { coverageLine } from './summary.js';
import { renderTable } from './table.js';
import { objectName, terminalSafe, truncate } from './text.js';

const maxFrom = 60; // keeps a row on one line of a wide terminal; the JSON and HTML reports have it all
const maxFunction = 40;

function header(a: Analysis): string[] {
  const lines = [
    `${terminalSafe(a.binary)}: ${a.arch} ${a.type}`,
    `interpreter: ${a.interpreter === null ? 'none' : terminalSafe(a.interpreter)}`,
  ];
  if (a.libraries.length === 0) return [...lines, 'libraries: none'];
  // One library a line: soname, then the file it resolved to (once, when they are the same).
  const libs = a.libraries.map((l) => [{ text: terminalSafe(l.soname) }, { text: l.path === l.soname ? '' : terminalSafe(l.path) }]);
  return [...lines, `libraries: ${a.libraries.length}`, ...renderTable([{ title: 'SONAME' }, { title: 'PATH' }], libs, '  ').slice(1)];
}

function syscallTable(a: Analysis, paint: Paint): string[] {
  const rows = a.syscalls.map((s) => [
    { text: String(s.nr) },
    { text: terminalSafe(s.name) },
    { text: s.status, style: (t: string) => paint(s.status, t) },
    { text: String(s.sites) },
    { text: truncate(terminalSafe(originSummary(s.from)), maxFrom) },
  ]);
  return renderTable(
    [{ title: 'NR', align: 'right' }, { title: 'SYSCALL' }, { title: 'STATUS' }, { title: 'SITES', align: 'right' }, { title: 'FROM' }],
    rows,
  );
}

function siteTable(sites: readonly UnresolvedSite[]): string[] {
  const rows = sites.map((u) => [
    { text: terminalSafe(u.address) },
    { text: truncate(terminalSafe(u.function), maxFunction) },
    { text: terminalSafe(objectName(u.object)) },
    { text: terminalSafe(u.reason) },
  ]);
  return renderTable([{ title: 'ADDRESS' }, { title: 'FUNCTION' }, { title: 'OBJECT' }, { title: 'REASON' }], rows, '  ');
}

export function renderTerminal(a: Analysis, paint: Paint = noPaint): string {
  const lines = [...header(a), ''];
  lines.push(...(a.syscalls.length === 0 ? ['no syscall sites found'] : syscallTable(a, paint)));
  if (a.unresolved.length > 0) {
    lines.push('', `Unresolved syscall sites (the number could not be determined): ${a.unresolved.length}`);
    lines.push(...siteTable(a.unresolved));
  }
  if (a.abi32Sites.length > 0) {
    lines.push('', `32-bit ABI sites (int 0x80 / sysenter; ukify runs 64-bit code only): ${a.abi32Sites.length}`);
    lines.push(...siteTable(a.abi32Sites));
  }
  if (a.doubts.length > 0) {
    lines.push('', `Where the analysis is unsure (it then counts more code as reachable, never less): ${a.doubts.reduce((n, d) => n + d.count, 0)}`);
    const rows = a.doubts.map((d) => [{ text: String(d.count) }, { text: terminalSafe(objectName(d.object)) }, { text: terminalSafe(d.reason) }]);
    lines.push(...renderTable([{ title: 'COUNT', align: 'right' }, { title: 'OBJECT' }, { title: 'REASON' }], rows, '  '));
  }
  lines.push('', coverageLine(a.coverage));
  return `${lines.join('\n')}\n`;
}
