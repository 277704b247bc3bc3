// `ukify syscalls`: the whole syscall catalog as a table or JSON, with counts per status.
import type { CatalogEntry } from '../../syscall-shim/catalog.js';
import { noPaint, type Paint } from './color.js';
import { countStatuses, statusList, type StatusCounts } from './summary.js';
import { renderTable } from './table.js';

/** "N syscalls: a full, b partial, c fake, d stub, e missing" */
export function catalogSummary(entries: readonly CatalogEntry[]): string {
  return `${entries.length} syscalls: ${statusList(countStatuses(entries))}`;
}

export function renderCatalogTable(entries: readonly CatalogEntry[], paint: Paint = noPaint): string {
  const rows = entries.map((e) => [
    { text: String(e.nr) },
    { text: e.name },
    { text: e.status, style: (t: string) => paint(e.status, t) },
    { text: e.note },
  ]);
  const table = renderTable([{ title: 'NR', align: 'right' }, { title: 'NAME' }, { title: 'STATUS' }, { title: 'NOTE' }], rows);
  return `${[...table, '', catalogSummary(entries)].join('\n')}\n`;
}

export function renderCatalogJson(entries: readonly CatalogEntry[]): string {
  const counts: StatusCounts & { total: number } = { total: entries.length, ...countStatuses(entries) };
  const syscalls = entries.map((e) => ({ nr: e.nr, name: e.name, status: e.status, note: e.note }));
  return `${JSON.stringify({ syscalls, counts }, null, 2)}\n`;
}
