// Terminal colours by syscall status. Used only when the output is a terminal and NO_COLOR is unset.
import type { SyscallStatus } from '../../syscall-shim/catalog.js';

export type Paint = (status: SyscallStatus, text: string) => string;

const sgr: Record<SyscallStatus, string> = {
  full: '32', // green
  partial: '33', // yellow
  fake: '36', // cyan
  stub: '35', // magenta
  missing: '31', // red
};

/** Colour only a terminal, and never when NO_COLOR is set to anything (https://no-color.org) or TERM=dumb. */
export function wantColor(isTTY: boolean, env: Readonly<Record<string, string | undefined>>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

export const ansiPaint: Paint = (status, text) => `\u001b[${sgr[status]}m${text}\u001b[0m`;
export const noPaint: Paint = (_status, text) => text;
