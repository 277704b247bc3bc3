// Where a syscall comes from, grouped and abbreviated for reports.
import type { SyscallOrigin } from '../analysis.js';
import { objectName } from './text.js';

export interface OriginGroup {
  object: string; // basename, e.g. "libc.so.6"
  path: string;
  functions: string[];
}

/** Origins grouped by object, in order of first appearance, functions deduplicated. */
export function groupOrigins(from: readonly SyscallOrigin[]): OriginGroup[] {
  const groups = new Map<string, OriginGroup>();
  for (const origin of from) {
    let group = groups.get(origin.object);
    if (group === undefined) {
      group = { object: objectName(origin.object), path: origin.object, functions: [] };
      groups.set(origin.object, group);
    }
    if (!group.functions.includes(origin.function)) group.functions.push(origin.function);
  }
  return [...groups.values()];
}

/**
 * One short line for a table cell: the first origin and how many others there are,
 * e.g. "libc.so.6: __write, +3 more". Empty when nothing is known.
 */
export function originSummary(from: readonly SyscallOrigin[]): string {
  const groups = groupOrigins(from);
  const first = groups[0];
  if (first === undefined) return '';
  const total = groups.reduce((n, g) => n + g.functions.length, 0);
  const head = `${first.object}: ${first.functions[0] ?? '?'}`;
  return total > 1 ? `${head}, +${total - 1} more` : head;
}
