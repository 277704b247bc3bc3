// Plain-text tables for the benchmarks: the first column left-aligned, the others right-aligned, and
// a row that could not be measured shown as "not available (reason)" across the value columns; and
// the figures in them (medians, ratios).

export type TableRow = { label: string; cells: string[] } | { label: string; unavailable: string };

export function formatTable(header: readonly string[], rows: readonly TableRow[]): string {
  const labelWidth = Math.max(header[0]?.length ?? 0, ...rows.map((r) => r.label.length));
  const widths = header.slice(1).map((h, i) => Math.max(h.length, ...rows.map((r) => ('cells' in r ? (r.cells[i]?.length ?? 0) : 0))));
  const line = (label: string, cells: readonly string[]): string =>
    [label.padEnd(labelWidth), ...cells.map((c, i) => c.padStart(widths[i] ?? 0))].join('  ').trimEnd();
  return [
    line(header[0] ?? '', header.slice(1)),
    ...rows.map((r) => ('cells' in r ? line(r.label, r.cells) : `${r.label.padEnd(labelWidth)}  not available (${r.unavailable})`)),
  ].join('\n');
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

/** "2.50x", or "-" when either side is missing. */
export function ratio(value: number | undefined, base: number | undefined): string {
  return value === undefined || base === undefined || base <= 0 ? '-' : `${(value / base).toFixed(2)}x`;
}

export function mebibytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
