// Which of the paths a program looked up and did not find `ukify discover` adds to the image, and
// why (or why not). Pure: the host is seen through a HostView (host-view.ts), so the rules can be
// tested on made-up file systems.
//
// - Never: what refusals.ts lists (kernel trees, homes, password hashes, private keys), and the
//   host's loader cache and preload list, which describe the host's libraries, not the image's.
// - A regular file on the host: added at the same path, up to the size limit.
// - A directory on the host: added whole (symlinks stay symlinks) up to the size limit, unless
//   something inside it is refused; a directory over the limit is reported with its size.
// - A path inside a directory the image already places (or at a symlink it places): that copy is
//   the source. When the copy is of the same host path, a lookup that still fails went through a
//   symlink whose target is not in the image: the target is added instead.
import type { HostView } from './host-view.js';
import { refusal } from './refusals.js';

export const SIZE_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * A directory the image holds whole (a --dir, a ukify.json dirs entry, static discovery's, one added
 * in an earlier round), or a symlink it holds as the host has it.
 */
export interface PlacedDir {
  guest: string;
  host: string;
  /** Who placed it, for messages ("--dir ./www:/srv", "round 1"). */
  source: string;
  discovered: boolean;
}

export type Decision =
  | { path: string; round: number; action: 'file'; host: string; why: string; bytes: number }
  | { path: string; round: number; action: 'dir'; host: string; why: string; bytes: number; entries: number }
  /** Not added; `why` is shown to the user. */
  | { path: string; round: number; action: 'skip'; why: string }
  /** Below a directory added in the same round: comes with it. */
  | { path: string; round: number; action: 'covered'; by: string }
  /** Not on the host either: counted, not listed. */
  | { path: string; round: number; action: 'absent' };

export type Addition = Extract<Decision, { action: 'file' | 'dir' }>;

const HOST_ONLY: Record<string, string> = {
  '/etc/ld.so.cache': 'the host\'s library cache: the image holds each library where the loader looks without one',
  '/etc/ld.so.preload': 'it preloads host libraries into every program',
};

export function isAddition(decision: Decision): decision is Addition {
  return decision.action === 'file' || decision.action === 'dir';
}

/** Whether the path is `top` or lies below it. */
export function within(path: string, top: string): boolean {
  return top === '/' || path === top || path.startsWith(`${top}/`);
}

/** "/a/b/" → "/a/b"; "/" stays. */
export function withoutTrailingSlash(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

function entries(n: number): string {
  return `${n} ${n === 1 ? 'entry' : 'entries'}`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The innermost placed directory holding the path. */
function placedAround(path: string, placed: readonly PlacedDir[]): PlacedDir | undefined {
  return placed.filter((d) => within(path, d.guest)).sort((a, b) => b.guest.length - a.guest.length)[0];
}

/** What to do with a host path that may be added (refusals and placements already checked). */
function fromHost(path: string, round: number, host: HostView, limit: number, lookedUpAs?: string): Decision {
  const looked = lookedUpAs === undefined ? `looked up by the program (round ${round})` : `the target of ${lookedUpAs}, looked up by the program (round ${round})`;
  const seen = host.look(path);
  switch (seen.kind) {
    case 'absent':
      return { path, round, action: 'absent' };
    case 'unreadable':
      return { path, round, action: 'skip', why: `cannot be read on the host (${seen.why})` };
    case 'special':
      return { path, round, action: 'skip', why: `${seen.what} on the host` };
    case 'file':
      if (seen.bytes > limit) return { path, round, action: 'skip', why: `a file of ${mib(seen.bytes)}, over the ${mib(limit)} limit: add it with --file if the program needs it` };
      return { path, round, action: 'file', host: path, why: looked, bytes: seen.bytes };
    case 'dir': {
      const tree = seen.tree;
      if (tree.refused !== undefined) return { path, round, action: 'skip', why: `a directory holding ${tree.refused.path} (${tree.refused.why}): add what the program needs with --file or --dir` };
      if (tree.unreadable !== undefined) return { path, round, action: 'skip', why: `a directory holding ${tree.unreadable}, which cannot be read` };
      if (!tree.complete || tree.bytes > limit) {
        const size = tree.complete ? `${mib(tree.bytes)} in ${entries(tree.entries)}` : `more than ${mib(tree.bytes)} in more than ${entries(tree.entries)}`;
        return { path, round, action: 'skip', why: `a directory of ${size}, over the ${mib(limit)} limit: add it with --dir if the program needs it` };
      }
      return { path, round, action: 'dir', host: path, why: `a directory ${looked}, ${mib(tree.bytes)} in ${entries(tree.entries)}`, bytes: tree.bytes, entries: tree.entries };
    }
  }
}

/** The decision for one path, given what the image places whole. */
function decide(path: string, round: number, placed: readonly PlacedDir[], host: HostView, limit: number): Decision {
  const refused = refusal(path) ?? HOST_ONLY[path];
  if (refused !== undefined) return { path, round, action: 'skip', why: refused };
  const dir = placedAround(path, placed);
  if (dir === undefined) return fromHost(path, round, host, limit);
  if (dir.host !== dir.guest) return { path, round, action: 'skip', why: `inside ${dir.guest}, which ${dir.source} places from ${dir.host}` };
  const real = host.realPath(path);
  if (real === undefined) return { path, round, action: 'absent' };
  if (real === path) {
    if (dir.discovered && dir.source === `round ${round}`) return { path, round, action: 'covered', by: dir.guest };
    return { path, round, action: 'skip', why: `inside ${dir.guest} (${dir.source}), whose copy lacks it` };
  }
  // A symlink in the placed copy leads out of it, to a host path the image does not hold.
  const refusedTarget = refusal(real);
  if (refusedTarget !== undefined) return { path, round, action: 'skip', why: `a symlink to ${real}: ${refusedTarget}` };
  const around = placedAround(real, placed);
  if (around !== undefined) return { path, round, action: 'skip', why: `a symlink to ${real}, inside ${around.guest} (${around.source}), whose copy lacks it` };
  const target = fromHost(real, round, host, limit, path);
  return target.action === 'absent' ? { path, round, action: 'absent' } : target;
}

/**
 * The decisions for the paths first found missing in `round`, in path order. A directory added
 * takes everything below it in the same round; `placed` is what the image already holds whole.
 */
export function decideRound(paths: readonly string[], round: number, placed: readonly PlacedDir[], host: HostView, limit = SIZE_LIMIT_BYTES): Decision[] {
  const holding = [...placed];
  const decisions: Decision[] = [];
  const unique = [...new Set(paths.map(withoutTrailingSlash))].sort();
  for (const path of unique) {
    if (!path.startsWith('/')) continue;
    const decision = decide(path, round, holding, host, limit);
    decisions.push(decision);
    if (decision.action === 'dir') holding.push({ guest: decision.host, host: decision.host, source: `round ${round}`, discovered: true });
  }
  return decisions;
}
