// One run's trace: the records from port 0xea decoded into strace's lines (to stderr, or to the
// file --strace names) and counted for --syscall-summary's table, printed when the VM stops.
import { closeSync, openSync, writeSync } from 'node:fs';
import { loadTraceSpecs } from '../../syscall-shim/trace-spec.js';
import { StracePrinter } from './printer.js';
import { RecordReader } from './records.js';
import { parseStraceSelection, StraceError } from './select.js';
import { SyscallSummary } from './summary.js';

export interface TraceRequest {
  /** --strace (true) or --strace=LIST: syscall names, %classes and at most one file. */
  strace?: true | string;
  /** strace -c's table when the VM stops. */
  summary?: boolean;
  timestamps?: boolean;
  durations?: boolean;
}

export class TraceSession {
  private readonly reader = new RecordReader();
  private readonly printer: StracePrinter | undefined;
  private readonly summary: SyscallSummary | undefined;
  private readonly fd: number | undefined;
  private readonly out: string[] = [];

  /** Throws a user-facing error for a bad --strace list or a file that cannot be written. */
  constructor(request: TraceRequest) {
    const specs = loadTraceSpecs();
    const selection = request.strace === undefined ? {} : parseStraceSelection(request.strace, specs);
    if (selection.file !== undefined) {
      try {
        this.fd = openSync(selection.file, 'w');
      } catch (error) {
        throw new StraceError(`--strace: cannot write ${selection.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    }
    const emit = (line: string): void => {
      if (this.fd !== undefined) writeSync(this.fd, `${line}\n`);
      else this.out.push(line);
    };
    if (request.strace !== undefined) this.printer = new StracePrinter(specs, { ...selection, timestamps: request.timestamps === true, durations: request.durations === true }, emit);
    if (request.summary === true) this.summary = new SyscallSummary(specs, selection.only);
  }

  /** Bytes from the trace port; returns the lines for stderr. */
  push(chunk: Buffer): string[] {
    const records = this.reader.push(chunk);
    this.printer?.push(records);
    this.summary?.push(records);
    return this.out.splice(0);
  }

  /** The VM stopped: the last lines and the summary table, for stderr (the file gets its own). */
  end(): string[] {
    this.printer?.end();
    const table = this.summary?.table();
    if (table !== undefined) {
      if (this.fd !== undefined) writeSync(this.fd, table);
      else this.out.push(...table.trimEnd().split('\n'));
    }
    if (this.fd !== undefined) closeSync(this.fd);
    return this.out.splice(0);
  }
}
