// What the rewriter did, in one line for the build's output.
import type { RewriteSummary } from './rewrite-program.js';

export function rewriteLine(s: RewriteSummary | undefined): string {
  if (s === undefined) return 'syscall sites: not rewritten (--no-rewrite)';
  const patched = s.userSpace + s.syscall;
  const kept = [...s.kept].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n} ${reason}`);
  return `syscall sites: rewrote ${patched} of ${s.sites} (${s.userSpace} answered in user space)` + (kept.length === 0 ? '' : `; kept as traps: ${kept.join('; ')}`);
}
