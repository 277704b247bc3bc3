// What the rewriter did: one line for the build's output, or a line per site (ukify analyze --sites).
import type { SiteOutcome } from './rewrite-object.js';
import type { RewriteSummary } from './rewrite-program.js';

export function rewriteLine(s: RewriteSummary | undefined): string {
  if (s === undefined) return 'syscall sites: not rewritten (--no-rewrite)';
  const patched = s.userSpace + s.syscall;
  const kept = Object.entries(s.kept).sort((a, b) => b[1] - a[1]).map(([reason, n]) => `${n} ${reason}`);
  return `syscall sites: rewrote ${patched} of ${s.sites} (${s.userSpace} answered in user space)` + (kept.length === 0 ? '' : `; kept as traps: ${kept.join('; ')}`);
}

/** One line per site: where it is, its syscall, and what the rewriter does with it. `nameOf(nr)`: the syscall's name. */
export function siteLines(outcomes: readonly SiteOutcome[], nameOf: (nr: number) => string): string {
  return outcomes
    .map((o) => {
      const where = `${o.site.object}+0x${o.site.address.toString(16)}`;
      const call = o.site.nrs.length === 0 ? '?' : o.site.nrs.map((nr) => `${nameOf(nr)} (${nr})`).join(' | ');
      const what = o.patched === 'user-space' ? 'answered in user space' : o.patched === 'syscall' ? 'a syscall from its trampoline' : `kept: ${'reason' in o ? o.reason : ''}`;
      return `${where}  ${call}  ${what}\n`;
    })
    .join('');
}

/** The same as JSON values. */
export function siteRecords(outcomes: readonly SiteOutcome[]): unknown[] {
  return outcomes.map((o) => ({
    object: o.site.object,
    address: `0x${o.site.address.toString(16)}`,
    nrs: o.site.nrs,
    ...('reason' in o ? { kept: o.reason } : { patched: o.patched }),
  }));
}
