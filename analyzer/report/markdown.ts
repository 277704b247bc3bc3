// The Markdown report (GitHub-flavoured), for CI logs and job summaries. It must read well raw
// (in a log) and rendered, so names from the binary go into code spans rather than being
// backslash-escaped character by character.
import type { Analysis, UnresolvedSite } from '../analysis.js';
import { groupOrigins } from './origins.js';
import { coverageLine } from './summary.js';
import { objectName } from './text.js';

function showControls(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * A code span holding `text` verbatim: the fence is one backtick longer than the longest run inside,
 * and a pipe is escaped because GFM splits table cells before it parses code spans.
 */
export function mdCode(text: string): string {
  const safe = showControls(text).replace(/\|/g, '\\|');
  if (safe === '') return '';
  const longest = Math.max(0, ...(safe.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = safe.startsWith('`') || safe.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${safe}${pad}${fence}`;
}

/** Prose for a cell (notes, reasons): characters Markdown or inline HTML would act on are escaped. */
export function mdText(text: string): string {
  return showControls(text).replace(/[\\`*_[\]<>|&~]/g, (c) => `\\${c}`);
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function fromCell(s: Analysis['syscalls'][number]): string {
  return groupOrigins(s.from)
    .map((g) => `${mdCode(g.object)}: ${g.functions.map(mdCode).join(', ')}`)
    .join('<br>');
}

function siteRows(sites: readonly UnresolvedSite[]): string[] {
  return [
    row(['Address', 'Function', 'Object', 'Reason']),
    row(['---', '---', '---', '---']),
    ...sites.map((u) => row([mdCode(u.address), mdCode(u.function), mdCode(objectName(u.object)), mdText(u.reason)])),
  ];
}

export function renderMarkdown(a: Analysis): string {
  const libs = a.libraries.map((l) => `${mdCode(l.soname)} (${mdCode(l.path)})`);
  const lines = [
    `## ukify syscall coverage: ${mdCode(objectName(a.binary))}`,
    '',
    `- Binary: ${mdCode(a.binary)}`,
    `- Type: ${a.arch} ${a.type}`,
    `- Interpreter: ${a.interpreter === null ? 'none' : mdCode(a.interpreter)}`,
    `- Libraries: ${libs.length === 0 ? 'none' : libs.join(', ')}`,
    '',
    `**${coverageLine(a.coverage)}**`,
    '',
    row(['Nr', 'Syscall', 'Status', 'Sites', 'Where from', 'Note']),
    row(['---:', '---', '---', '---:', '---', '---']),
    ...a.syscalls.map((s) => row([String(s.nr), mdCode(s.name), s.status, String(s.sites), fromCell(s), mdText(s.note)])),
  ];
  if (a.unresolved.length > 0) {
    lines.push('', `### Unresolved syscall sites (${a.unresolved.length})`, '', ...siteRows(a.unresolved));
  }
  if (a.abi32Sites.length > 0) {
    lines.push('', `### 32-bit ABI sites (${a.abi32Sites.length})`, '', ...siteRows(a.abi32Sites));
  }
  if (a.doubts.length > 0) {
    lines.push('', `### Where the analysis is unsure (${a.doubts.reduce((n, d) => n + d.count, 0)})`, '', row(['Object', 'Reason', 'Count']), row(['---', '---', '---:']));
    lines.push(...a.doubts.map((d) => row([mdCode(objectName(d.object)), mdText(d.reason), String(d.count)])));
  }
  return `${lines.join('\n')}\n`;
}
