// Discovery's additions and omissions as the user reads them (a short list, one line per reason)
// and as --json carries them.
import type { Addition, Skipped } from './found.js';

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function shown(a: Addition): string {
  if (a.kind === 'symlink') return `${a.guest} -> ${a.target ?? ''}`;
  if (a.kind === 'empty-dir') return `${a.guest}/ (empty)`;
  return a.kind === 'dir' ? `${a.guest}/` : a.guest;
}

/** One line per reason: the paths it brought, their size, why. */
export function additionLines(added: readonly Addition[]): string[] {
  const byWhy = new Map<string, Addition[]>();
  for (const a of added) byWhy.set(a.why, [...(byWhy.get(a.why) ?? []), a]);
  return [...byWhy].map(([why, group]) => {
    const bytes = group.reduce((sum, a) => sum + a.bytes, 0);
    return `  ${group.map(shown).join(', ')}${bytes > 0 ? ` (${size(bytes)})` : ''}: ${why}`;
  });
}

export function skippedLines(skipped: readonly Skipped[]): string[] {
  return skipped.map((s) => `  ${s.path}: ${s.why}`);
}

/** The text block `ukify build` and `ukify PROGRAM` print (empty when discovery found nothing). */
export function discoveryText(added: readonly Addition[], skipped: readonly Skipped[]): string {
  const lines: string[] = [];
  if (added.length > 0) lines.push('added (static discovery; --no-discover leaves it out):', ...additionLines(added));
  if (skipped.length > 0) lines.push('left out:', ...skippedLines(skipped));
  return lines.map((l) => `${l}\n`).join('');
}

export function discoveryJson(added: readonly Addition[], skipped: readonly Skipped[]): unknown {
  return {
    added: added.map((a) => ({
      path: a.guest,
      kind: a.kind,
      bytes: a.bytes,
      why: a.why,
      ...(a.host !== undefined && a.host !== a.guest ? { host: a.host } : {}),
      ...(a.target !== undefined ? { target: a.target } : {}),
    })),
    skipped: skipped.map((s) => ({ path: s.path, why: s.why })),
  };
}
