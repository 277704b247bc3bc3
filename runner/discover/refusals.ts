// What `ukify discover` never adds on its own, however often the program looks it up: what no
// discovery packs (packager/discover/never-packed.ts: homes, the kernel's trees, password hashes,
// private keys), and the host's own run-time state and ukify's reserved folder. The user can still
// name any of them with --file or --dir (then it is in the image and never missing). Pure.
import { neverPacked } from '../../packager/discover/never-packed.js';

const RUNTIME_TREES = ['/run', '/var/run', '/var/lock'];

const within = (path: string, top: string): boolean => path === top || path.startsWith(`${top}/`);

/** Why discovery never adds `path` (absolute, normalized), or undefined when it may. */
export function refusal(path: string): string | undefined {
  const never = neverPacked(path);
  if (never !== undefined) return `${never}: never packed unless you name it`;
  if (within(path, '/.ukify')) return "/.ukify is ukify's own";
  const runtime = RUNTIME_TREES.find((top) => within(path, top));
  if (runtime !== undefined) return `under ${runtime}: the host's runtime state (pid files, sockets, locks), not the program's`;
  return undefined;
}
