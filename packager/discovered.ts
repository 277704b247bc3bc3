// Discovery's additions as initrd entries. What the user placed wins: an addition whose path the
// image already holds is dropped. A directory's walk leaves out what is never packed (never-packed.ts),
// private keys found by their contents included. The result says what went in and what stayed out.
import type { CpioEntry } from './cpio.js';
import type { Addition, Discovery, Skipped } from './discover/found.js';
import { holdsPrivateKey, neverPacked } from './discover/never-packed.js';
import { collectFiles, type Exclude, type HostEntry } from './extra-files.js';
import { cpioName, type InitrdTree } from './initrd-tree.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const encoder = new TextEncoder();
const decoder = new TextDecoder('latin1');

const exclude: Exclude = (host, entry) => {
  const refused = neverPacked(host);
  if (refused !== undefined) return refused;
  const isFile = (entry.mode & S_IFMT) === S_IFREG;
  if (isFile && holdsPrivateKey(decoder.decode((entry.data ?? new Uint8Array(0)).subarray(0, 4096)))) return 'a private key';
  return undefined;
};

export interface DiscoveredEntries {
  /** The host files among them, for the libraries of ELF files. */
  hostEntries: HostEntry[];
  /** What went in (additions the image held already are gone). */
  applied: Addition[];
  skipped: Skipped[];
}

function ownEntries(a: Addition): CpioEntry[] {
  const name = cpioName(a.guest);
  if (a.kind === 'symlink') return [{ name, mode: 0o120777, data: encoder.encode(a.target ?? '') }];
  if (a.kind === 'empty-dir') return [{ name, mode: 0o040755 }];
  return [{ name, mode: 0o100644, data: encoder.encode(a.text ?? '') }];
}

/** Adds discovery's additions to the tree, after what the program and the user put there. */
export function addDiscovered(tree: InitrdTree, discovery: Discovery): DiscoveredEntries {
  const out: DiscoveredEntries = { hostEntries: [], applied: [], skipped: [...discovery.skipped] };
  for (const a of discovery.additions) {
    if (!tree.canAdd(cpioName(a.guest))) continue;
    if (a.kind === 'file' || a.kind === 'dir') {
      const placement = { host: a.host ?? a.guest, guest: a.guest, source: a.why };
      const collected = a.kind === 'file' ? collectFiles([placement], []) : collectFiles([], [placement], exclude);
      for (const e of collected.entries) {
        if (!tree.canAdd(e.entry.name)) continue;
        tree.add(e.entry, `discovery: ${a.why}`);
        out.hostEntries.push(e);
      }
      out.skipped.push(...collected.excluded.map((x) => ({ path: x.path, why: `${x.why}: never packed unless you name it (in ${a.guest})` })));
    } else {
      for (const entry of ownEntries(a)) tree.add(entry, `discovery: ${a.why}`);
    }
    out.applied.push(a);
  }
  return out;
}
