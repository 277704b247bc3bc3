// Status counts and the one-line coverage summary every report carries.
import type { Coverage } from '../analysis.js';
import { syscallStatuses, type SyscallStatus } from '../../syscall-shim/catalog.js';

export type StatusCounts = Record<SyscallStatus, number>;

/** How many entries have each status (every status present, zero when absent). */
export function countStatuses(entries: readonly { status: SyscallStatus }[]): StatusCounts {
  const counts = Object.fromEntries(syscallStatuses.map((s) => [s, 0])) as StatusCounts;
  for (const e of entries) counts[e.status] += 1;
  return counts;
}

/** "a full, b partial, c fake, d stub, e missing" */
export function statusList(counts: StatusCounts): string {
  return syscallStatuses.map((s) => `${counts[s]} ${s}`).join(', ');
}

/**
 * "N syscalls: a full, b partial, c fake, d stub, e missing; u unresolved sites".
 * Always in this exact form (no singulars) so that CI logs can be matched by one pattern.
 */
export function coverageLine(c: Coverage): string {
  return `${c.total} syscalls: ${statusList(c)}; ${c.unresolved} unresolved sites`;
}
