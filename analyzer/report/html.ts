// The HTML report: one self-contained page (inline CSS and JS, no network) with a summary header,
// a stacked bar of status counts, and a sortable, filterable syscall table whose origins expand.
// Every string that comes from the binary goes through escapeHtml.
import type { Analysis, SyscallUse, UnresolvedSite } from '../analysis.js';
import { syscallStatuses } from '../../syscall-shim/catalog.js';
import { escapeHtml as h } from './html-escape.js';
import { reportScript } from './html-script.js';
import { reportStyle } from './html-style.js';
import { groupOrigins, originSummary } from './origins.js';
import { coverageLine } from './summary.js';
import { objectName } from './text.js';

function facts(a: Analysis): string {
  const libs =
    a.libraries.length === 0
      ? 'none'
      : `<ul>${a.libraries
          .map((l) => {
            const path = l.path === l.soname ? '' : ` <span class="path">${h(l.path)}</span>`;
            const neededBy = l.neededBy.map(objectName).join(', ');
            return `<li title="needed by ${h(neededBy)}"><code>${h(l.soname)}</code>${path}</li>`;
          })
          .join('')}</ul>`;
  return `<dl class="facts">
<dt>Binary</dt><dd><code>${h(a.binary)}</code></dd>
<dt>Type</dt><dd>${h(a.arch)} ${h(a.type)}</dd>
<dt>Interpreter</dt><dd>${a.interpreter === null ? 'none' : `<code>${h(a.interpreter)}</code>`}</dd>
<dt>Libraries</dt><dd>${libs}</dd>
</dl>`;
}

function statusBar(a: Analysis): string {
  const c = a.coverage;
  const segments = syscallStatuses
    .filter((s) => c[s] > 0)
    .map((s) => `<div class="seg s-${s}" style="flex-grow:${c[s]}" title="${c[s]} ${s}"></div>`)
    .join('');
  const legend = syscallStatuses
    .map((s) => `<li><span class="sw s-${s}"></span>${s} <b data-count="${s}">${c[s]}</b></li>`)
    .join('');
  return `<p id="summary">${h(coverageLine(c))}</p>
<div class="bar" role="img" aria-label="${h(coverageLine(c))}">${segments}</div>
<ul class="legend">${legend}</ul>`;
}

function fromCell(s: SyscallUse): string {
  const groups = groupOrigins(s.from);
  if (groups.length === 0) return '<span class="empty">unknown</span>';
  const only = groups.length === 1 && groups[0]?.functions.length === 1 ? groups[0] : undefined;
  if (only !== undefined) {
    return `<span class="obj" title="${h(only.path)}">${h(only.object)}</span>: <code>${h(only.functions[0] ?? '')}</code>`;
  }
  const list = groups
    .map((g) => `<li><span class="obj" title="${h(g.path)}">${h(g.object)}</span>: ${g.functions.map((f) => `<code>${h(f)}</code>`).join(', ')}</li>`)
    .join('');
  return `<details><summary>${h(originSummary(s.from))}</summary><ul>${list}</ul></details>`;
}

function searchText(s: SyscallUse): string {
  const parts = [String(s.nr), s.name, s.status, s.note, ...s.from.flatMap((o) => [objectName(o.object), o.function])];
  return parts.join(' ').toLowerCase();
}

function syscallRow(s: SyscallUse): string {
  const rank = syscallStatuses.indexOf(s.status);
  return `<tr data-nr="${s.nr}" data-name="${h(s.name)}" data-rank="${rank}" data-status="${s.status}" data-sites="${s.sites}" data-from="${h(originSummary(s.from))}" data-search="${h(searchText(s))}">
<td class="num">${s.nr}</td><td><code>${h(s.name)}</code></td><td><span class="badge s-${s.status}">${s.status}</span></td><td class="num">${s.sites}</td><td class="from">${fromCell(s)}</td><td class="note">${h(s.note)}</td></tr>`;
}

function syscallSection(a: Analysis): string {
  const counts = a.coverage;
  const boxes = syscallStatuses
    .map((s) => `<label><input type="checkbox" data-status="${s}" checked><span class="sw s-${s}"></span>${s} (${counts[s]})</label>`)
    .join('');
  return `<h2>System calls</h2>
<div class="controls"><input type="search" id="filter" placeholder="Filter by name, number, function or library" aria-label="Filter">
${boxes}<button type="button" id="expand">Expand all</button><span id="shown">${a.syscalls.length} of ${a.syscalls.length} shown</span></div>
<table id="syscalls"><thead><tr>
<th class="num" data-key="nr" aria-sort="ascending"><button type="button">Nr</button></th>
<th data-key="name"><button type="button">Syscall</button></th>
<th data-key="rank"><button type="button">Status</button></th>
<th class="num" data-key="sites"><button type="button">Sites</button></th>
<th data-key="from"><button type="button">Where from</button></th>
<th>Note</th></tr></thead>
<tbody>
${a.syscalls.map(syscallRow).join('\n')}
</tbody></table>${a.syscalls.length === 0 ? '\n<p class="empty">No syscall sites found.</p>' : ''}`;
}

function siteSection(id: string, title: string, sites: readonly UnresolvedSite[]): string {
  if (sites.length === 0) return '';
  const rows = sites
    .map((u) => `<tr><td><code>${h(u.address)}</code></td><td><code>${h(u.function)}</code></td><td title="${h(u.object)}">${h(objectName(u.object))}</td><td>${h(u.reason)}</td></tr>`)
    .join('\n');
  return `<h2>${title} (${sites.length})</h2>
<table id="${id}"><thead><tr><th>Address</th><th>Function</th><th>Object</th><th>Reason</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

export function renderHtml(a: Analysis): string {
  const name = objectName(a.binary);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>ukify report: ${h(name)}</title>
<style>${reportStyle}</style>
</head>
<body>
<main>
<h1>Syscall coverage of <span class="bin">${h(name)}</span></h1>
<p class="sub">What ukify supports of the system calls this program can make.</p>
<section class="card">${facts(a)}</section>
<section class="card">${statusBar(a)}</section>
${syscallSection(a)}
${siteSection('unresolved', 'Unresolved syscall sites (number not determined)', a.unresolved)}
${siteSection('abi32', '32-bit ABI sites (int 0x80 / sysenter: not supported)', a.abi32Sites)}
<footer>Generated by ukify analyze.</footer>
</main>
<script>${reportScript}</script>
</body>
</html>
`;
}
