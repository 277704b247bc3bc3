// The kernel's log lines and the app's stderr (COM2) reach us through two pipes and go out on one
// stream. A read of COM2 may end inside a line the app wrote whole, and a kernel line written then
// would land in the middle of it. So a kernel line waits while the app's output is inside a line:
// until that line ends, or at most maxWaitMs (an app may leave a line open, as a prompt does).

export class LogMerge {
  private midLine = false;
  private waiting: string[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly writeApp: (chunk: Buffer) => void,
    private readonly writeLog: (line: string) => void,
    private readonly maxWaitMs = 100,
  ) {}

  /** A chunk of the app's stderr. */
  app(chunk: Buffer): void {
    const newline = chunk.indexOf(0x0a);
    if (this.waiting.length > 0 && newline >= 0) {
      this.writeApp(chunk.subarray(0, newline + 1));
      this.midLine = false;
      this.flush();
      chunk = chunk.subarray(newline + 1);
    }
    if (chunk.length === 0) return;
    this.writeApp(chunk);
    this.midLine = chunk[chunk.length - 1] !== 0x0a;
  }

  /** A kernel log line (without its newline). */
  log(line: string): void {
    if (!this.midLine) return this.writeLog(line);
    this.waiting.push(line);
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.maxWaitMs);
      this.timer.unref();
    }
  }

  /** Writes the kernel lines still waiting. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.waiting;
    this.waiting = [];
    lines.forEach((line) => this.writeLog(line));
  }
}
