// One updating progress line on stderr, only when stderr is a terminal; cleared when done,
// so that neither logs nor the report itself ever contain it.
import { terminalSafe, truncate } from './text.js';

export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface ProgressLine {
  update(message: string): void;
  done(): void;
}

export function progressLine(stream: ProgressStream): ProgressLine {
  if (stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  let shown = false;
  return {
    update(message) {
      // Never wrap: \r returns to the start of the current line only. Width 0 means unknown.
      const width = (stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80) - 1;
      stream.write(`\r\u001b[2K${truncate(terminalSafe(message), width)}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\u001b[2K');
      shown = false;
    },
  };
}
