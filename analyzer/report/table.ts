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
  const line = (cells: readonly Cell[]): string => {
    // Trailing empty cells are dropped and the last one is not padded: no trailing blanks.
    let last = cells.length - 1;
    while (last > 0 && cells[last]?.text === '') last -= 1;
    const parts = cells.slice(0, last + 1).map((c, i) => {
      const width = widths[i] ?? 0;
      const padded = columns[i]?.align === 'right' ? c.text.padStart(width) : i === last ? c.text : c.text.padEnd(width);
      return c.style === undefined ? padded : c.style(padded);
    });
    return indent + parts.join('  ');
  };
  return [line(columns.map((c) => ({ text: c.title }))), ...rows.map(line)];
}
