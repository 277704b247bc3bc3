// What `ukify discover` prints when it is done: what it added and why, what it did not add and
// why, files grouped under their directory when many were added from one. Pure: text only.
import { posix } from 'node:path';
import type { ConfigMerge } from '../../packager/config-merge.js';
import { type Addition, type Decision, isAddition } from './candidates.js';
import type { DiscoveryEnd } from './session.js';

/** A library the packager adds with a new ELF file (it is not written to ukify.json: every build finds it again). */
export interface AddedLibrary {
  path: string;
  /** The added file (guest path) that needs it. */
  neededBy: string;
  round: number;
}

/** From this many files added from one directory on, they are shown as one line. */
export const GROUP_AT = 4;
const NAMES_SHOWN = 3;
const LOOKED_UP = /^looked up by the program \(round \d+\)$/;

/** "round 2", "rounds 1-3", "rounds 1, 3". */
export function roundsText(rounds: readonly number[]): string {
  const sorted = [...new Set(rounds)].sort((a, b) => a - b);
  if (sorted.length === 1) return `round ${sorted[0] ?? 0}`;
  const first = sorted[0] ?? 0;
  const last = sorted[sorted.length - 1] ?? 0;
  return last - first === sorted.length - 1 ? `rounds ${first}-${last}` : `rounds ${sorted.join(', ')}`;
}

function namesText(names: readonly string[]): string {
  const shown = names.slice(0, NAMES_SHOWN).join(', ');
  return names.length > NAMES_SHOWN ? `${shown} and ${names.length - NAMES_SHOWN} more` : shown;
}

/** One line per addition, or per directory from which GROUP_AT or more files were looked up. */
export function additionLines(additions: readonly Addition[]): string[] {
  const groups = new Map<string, Addition[]>();
  for (const a of additions) {
    if (a.action !== 'file' || !LOOKED_UP.test(a.why)) continue;
    const dir = posix.dirname(a.path);
    groups.set(dir, [...(groups.get(dir) ?? []), a]);
  }
  const grouped = new Set([...groups.values()].filter((g) => g.length >= GROUP_AT).flat());
  const lines: { key: string; text: string }[] = [];
  for (const [dir, group] of groups) {
    if (group.length < GROUP_AT) continue;
    const names = group.map((a) => posix.basename(a.path)).sort();
    const rounds = roundsText(group.map((a) => a.round));
    lines.push({ key: dir, text: `${dir === '/' ? '' : dir}/ (${group.length} files: ${namesText(names)}): looked up by the program (${rounds})` });
  }
  for (const a of additions) if (!grouped.has(a)) lines.push({ key: a.path, text: `${a.path}: ${a.why}` });
  return lines.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0)).map((l) => l.text);
}

function indent(lines: readonly string[]): string {
  return lines.map((l) => `  ${l}\n`).join('');
}

/** The report on stdout: added (files, directories, libraries), not added, and how many paths the host lacks too. */
export function discoveryReport(decisions: readonly Decision[], libraries: readonly AddedLibrary[]): string {
  const additions = decisions.filter(isAddition);
  const skipped = decisions.flatMap((d) => (d.action === 'skip' ? [d] : []));
  const absent = decisions.filter((d) => d.action === 'absent').length;
  let text = '';
  if (additions.length + libraries.length === 0) text += 'added: nothing (no path the program looked up and did not find is on the host)\n';
  else {
    const libraryLines = libraries.map((l) => `${l.path}: a library of ${l.neededBy} (round ${l.round}; every build adds it with that file)`);
    text += `added (${additions.length + libraries.length}):\n${indent([...additionLines(additions), ...libraryLines])}`;
  }
  if (skipped.length > 0) text += `not added (${skipped.length}):\n${indent(skipped.map((d) => `${d.path}: ${d.why}`))}`;
  if (absent > 0) text += `${absent} other ${absent === 1 ? 'path' : 'paths'} the program looked up ${absent === 1 ? 'is' : 'are'} not on the host either\n`;
  return text;
}

/** The first line: how many rounds, and why discovery stopped. */
export function endLine(rounds: number, end: DiscoveryEnd): string {
  const done = `${rounds} ${rounds === 1 ? 'round' : 'rounds'}`;
  if (end === 'nothing new') return `ukify discover: ${done}; the last one found nothing new to add`;
  if (end === 'rounds') return `ukify discover: stopped after ${done} (--rounds): the last round's additions have not been booted yet; run ukify discover again to check them`;
  return `ukify discover: stopped by a signal after ${done}`;
}

function counted(n: number, one: string, many: string): string[] {
  return n === 0 ? [] : [`${n} ${n === 1 ? one : many}`];
}

/** What was written into the config file (`shown`), and the user's entries that were kept instead. */
export function configSummary(shown: string, merge: ConfigMerge): string {
  const files = merge.added.filter((a) => a.field === 'files').length;
  const dirs = merge.added.filter((a) => a.field === 'dirs').length;
  const parts = [...counted(files, 'file', 'files'), ...counted(dirs, 'directory', 'directories')];
  const kept = merge.created ? 'a new file' : 'every field and entry it had is kept';
  const added = parts.length === 0 ? '' : `${shown}: added ${parts.join(' and ')} (listed above); ${kept}\n`;
  return added + merge.kept.map((k) => `${shown}: kept your ${k.field} entry for ${k.guest} (${k.theirs})\n`).join('');
}
