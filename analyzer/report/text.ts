// Small text helpers shared by the renderers. Strings from a binary (symbol names, sonames, paths)
// can hold anything, so every renderer passes them through an escape fit for its medium.
import { posix } from 'node:path';

/** The last path component: how reports name an object ("libc.so.6", "hello"). */
export function objectName(path: string): string {
  return posix.basename(path) || path;
}

/** Shorten a string to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/**
 * Make a string safe to print on a terminal: control characters (ESC, CR, BEL, ...) would let
 * a crafted symbol name move the cursor or change colours, so they are shown as \xNN.
 */
export function terminalSafe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
