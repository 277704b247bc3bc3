// The kernel's debugcon channel: log lines `ukify: ...` and one final record `ukify-exit: N|panic`.

export type ExitRecord = { kind: 'status'; status: number } | { kind: 'panic' };

/** The record a debugcon line holds, or undefined for any other line. */
export function parseExitRecord(line: string): ExitRecord | undefined {
  const match = /^ukify-exit: (\d{1,3}|panic)$/.exec(line.replace(/\r$/, ''));
  if (match?.[1] === undefined) return undefined;
  if (match[1] === 'panic') return { kind: 'panic' };
  const status = Number(match[1]);
  return status <= 255 ? { kind: 'status', status } : undefined;
}

/** Splits a byte stream into lines; `push` returns the complete lines, `end` the unterminated rest. */
export class LineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    const lines = (this.pending + chunk).split('\n');
    this.pending = lines.pop() ?? '';
    return lines;
  }

  end(): string[] {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? [] : [rest];
  }
}

export const PANIC_STATUS = 125;

/** The exit status of `ukify run` and, when it is not the app's own, the one line that explains it. */
export function exitOutcome(record: ExitRecord | undefined): { status: number; message?: string } {
  if (record === undefined) return { status: PANIC_STATUS, message: 'the VM stopped without an exit record' };
  if (record.kind === 'panic') return { status: PANIC_STATUS, message: 'the kernel panicked (run with --verbose to see its whole log)' };
  return { status: record.status };
}
