// The initrd of an image: the program (and its loader and libraries), then what the user adds with
// --file/--dir, what discovery found (where the user put nothing), the libraries those files need,
// the generated /etc files nobody brought, and the working directory (kernel/IMAGE.md:
// /.ukify/workdir). Conflicts are errors, found here, before anything is written or booted.
import { type CpioEntry, cpioArchive } from './cpio.js';
import type { Addition, Discovery, Skipped } from './discover/found.js';
import { addDiscovered } from './discovered.js';
import { etcFiles } from './etc-files.js';
import { collectFiles } from './extra-files.js';
import { extraLibraries } from './extra-libraries.js';
import { cpioName, InitrdTree } from './initrd-tree.js';
import { OptionsError, type Placement } from './options.js';

export const WORKDIR_FILE = '.ukify/workdir';

export interface ExtraContents {
  files?: readonly Placement[];
  dirs?: readonly Placement[];
  /** Absolute, normalized guest path. */
  workdir?: string;
  /** What static discovery found (packager/discover/). */
  discovery?: Discovery;
}

export interface Initrd {
  archive: Uint8Array;
  warnings: string[];
  /** Discovery's additions that went in, and what it left out. */
  added: Addition[];
  skipped: Skipped[];
}

/** The initrd before it is archived: what still needs to see every file (the allowlist) adds to the tree. */
export interface InitrdContents extends Omit<Initrd, 'archive'> {
  tree: InitrdTree;
  /** The files read from host paths other than their guest paths (--file, --dir, discovery), by entry name. */
  hostOf: Map<string, string>;
}

const encoder = new TextEncoder();

// The kernel reads /.ukify/workdir into a buffer of this size, its NUL included (kernel/main.c).
const MAX_WORKDIR = 1023;

function addWorkdir(tree: InitrdTree, workdir: string): void {
  if (encoder.encode(workdir).length > MAX_WORKDIR) throw new OptionsError(`the working directory path is longer than ${MAX_WORKDIR} bytes`);
  const name = cpioName(workdir);
  if (name !== '') {
    if (tree.has(name) && !tree.isDirectory(name)) {
      throw new OptionsError(`the working directory ${workdir} is not a directory in the image (it comes from ${tree.source(name) ?? 'elsewhere'})`);
    }
    tree.add({ name, mode: 0o040755 }, `the working directory ${workdir}`);
  }
  tree.add({ name: WORKDIR_FILE, mode: 0o100644, data: encoder.encode(workdir) }, 'the working directory');
}

/** The archive of the contents; buildTime (seconds since the epoch): the mtime of what no host file is behind. */
export function initrdArchive(contents: InitrdContents, buildTime: number): Initrd {
  return { archive: cpioArchive(contents.tree.entries(), buildTime), warnings: contents.warnings, added: contents.added, skipped: contents.skipped };
}

/** The tree for the program's own entries plus the extra contents (`interpreter`: the program's loader), not archived yet. */
export function initrdContents(programEntries: readonly CpioEntry[], interpreter: string | undefined, extra: ExtraContents): InitrdContents {
  const tree = new InitrdTree();
  for (const entry of programEntries) tree.add(entry, 'the program (or its libraries)');
  const collected = collectFiles(extra.files ?? [], extra.dirs ?? []);
  for (const file of collected.entries) tree.add(file.entry, file.source);
  const discovered = addDiscovered(tree, extra.discovery ?? { additions: [], skipped: [] });
  const libraries = extraLibraries([...collected.entries, ...discovered.hostEntries], interpreter, (name) => tree.has(name));
  for (const entry of libraries.entries) tree.add(entry, 'the libraries of the added files');
  for (const file of etcFiles()) {
    const name = cpioName(file.path);
    if (tree.canAdd(name)) tree.add({ name, mode: 0o100644, data: encoder.encode(file.text) }, 'ukify');
  }
  if (extra.workdir !== undefined) addWorkdir(tree, extra.workdir);
  const hostOf = new Map([...collected.entries, ...discovered.hostEntries].map((e) => [e.entry.name, e.host]));
  return {
    tree,
    hostOf,
    warnings: [...collected.warnings, ...libraries.warnings],
    added: discovered.applied,
    skipped: discovered.skipped,
  };
}
