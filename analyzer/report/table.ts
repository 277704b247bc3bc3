// Plain-text table layout: columns padded to their widest cell. Cells are measured before any
// colouring, so escape sequences added by `style` never disturb the alignment.

export interface Column {
  title: string;
  align?: 'left' | 'right';
}

export interface Cell {
  text: string;
  /** Wraps the padded text, e.g. to colour it. */
  style?: (padded: string) => string;
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[], indent = ''): string[] {
  const widths = columns.map((col, i) => Math.max(col.title.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const last = columns.length - 1;
  const pad = (text: string, i: number): string => {
    if (columns[i]?.align === 'right') return text.padStart(widths[i] ?? 0);
    return i === last ? text : text.padEnd(widths[i] ?? 0);
  };
  const line = (cells: readonly Cell[]): string =>
    indent + cells.map((c, i) => (c.style ?? ((s: string) => s))(pad(c.text, i))).join('  ');
  return [line(columns.map((c) => ({ text: c.title }))), ...rows.map(line)];
}
