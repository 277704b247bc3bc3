// Reads what /init (init.c) printed on the serial console: the program's output sits between the
// start marker line and the end marker, which init prints after a newline of its own.

export interface GuestReport {
  /** What the program wrote to stdout and stderr (the console's CRLF turned back into LF). */
  output: string;
  /** Exit status, or undefined when a signal killed the program. */
  status?: number;
  signal?: number;
  /** Guest uptime (CLOCK_BOOTTIME) when the program was started and when it had ended. */
  startNs: number;
  endNs: number;
}

const START = /(?:^|\n)@@ukify-guest start uptime_ns=(\d+)\n/;
const END = /\n@@ukify-guest end (status|signal)=(\d+) uptime_ns=(\d+)\n/;
const ERROR = /@@ukify-guest error ([^\n]*)/;
// Linux's panic() line; the lines after it (stack, "Kernel Offset") say less about the cause.
const PANIC = /Kernel panic - not syncing: ([^\n]*)/;

/** The guest uptime at which init started the program, once the console shows it. */
export function programStarted(consoleText: string): number | undefined {
  const start = START.exec(consoleText.replace(/\r\n/g, '\n'));
  return start === null ? undefined : Number(start[1]);
}

/** The report, or a one-line reason why the console shows no complete run. */
export function parseGuestConsole(consoleText: string): GuestReport | { failure: string } {
  const text = consoleText.replace(/\r\n/g, '\n');
  const error = ERROR.exec(text);
  if (error !== null) return { failure: `guest init: ${error[1]}` };
  const panic = PANIC.exec(text);
  if (panic !== null) return { failure: `the guest kernel panicked: ${panic[1]}` };
  const start = START.exec(text);
  if (start === null) return { failure: `the program never started (console ends: ${lastLine(text)})` };
  const rest = text.slice(start.index + start[0].length);
  const end = END.exec(rest);
  if (end === null) return { failure: `the program did not finish (console ends: ${lastLine(rest)})` };
  const how = end[1] === 'status' ? { status: Number(end[2]) } : { signal: Number(end[2]) };
  return { output: rest.slice(0, end.index), ...how, startNs: Number(start[1]), endNs: Number(end[3]) };
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  return lines.at(-1) ?? '(nothing)';
}
