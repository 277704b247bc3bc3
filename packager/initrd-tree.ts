// The initrd's contents as a tree of guest paths, each remembering who asked for it, so that two
// sources for one path (the program and a --file, a --file and a --dir, ...) are caught and named
// before anything is written or booted.
import { type CpioEntry, parentDirectories } from './cpio.js';
import { OptionsError } from './options.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

function isDir(entry: CpioEntry): boolean {
  return (entry.mode & S_IFMT) === S_IFDIR;
}

function sameContents(a: CpioEntry, b: CpioEntry): boolean {
  if ((a.mode & S_IFMT) !== (b.mode & S_IFMT)) return false;
  const x = a.data ?? new Uint8Array(0);
  const y = b.data ?? new Uint8Array(0);
  return x.length === y.length && Buffer.compare(x, y) === 0;
}

/** "/etc/hosts" → "etc/hosts" (cpio names have no leading slash). */
export function cpioName(guest: string): string {
  return guest.replace(/^\/+/, '');
}

export class InitrdTree {
  private readonly byName = new Map<string, { entry: CpioEntry; source: string }>();

  /**
   * Adds an entry. A path given twice is an error unless both are directories (the first one's mode
   * stays) or both are the same bytes of the same type (a library the program and a --dir both bring).
   */
  add(entry: CpioEntry, source: string): void {
    const known = this.byName.get(entry.name);
    if (known === undefined) {
      this.byName.set(entry.name, { entry, source });
      return;
    }
    if (isDir(known.entry) && isDir(entry)) return;
    if (sameContents(known.entry, entry)) return;
    throw new OptionsError(`two sources for /${entry.name}: ${known.source} and ${source}`);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** True when the path is free and no parent of it is taken by something other than a directory. */
  canAdd(name: string): boolean {
    if (this.byName.has(name)) return false;
    return parentDirectories([name]).every((dir) => {
      const known = this.byName.get(dir);
      return known === undefined || isDir(known.entry);
    });
  }

  isDirectory(name: string): boolean {
    const known = this.byName.get(name);
    return known !== undefined && isDir(known.entry);
  }

  source(name: string): string | undefined {
    return this.byName.get(name)?.source;
  }

  /**
   * Every entry plus the parent directories nobody listed, sorted by name so that a directory comes
   * before what it holds. A path inside something that is not a directory is an error.
   */
  entries(): CpioEntry[] {
    for (const [name, { source }] of this.byName) {
      for (const dir of parentDirectories([name])) {
        const parent = this.byName.get(dir);
        if (parent !== undefined && !isDir(parent.entry)) {
          throw new OptionsError(`${source} puts /${name} inside /${dir}, which is not a directory (it comes from ${parent.source})`);
        }
      }
    }
    const implied = parentDirectories([...this.byName.keys()])
      .filter((d) => !this.byName.has(d))
      .map((name): CpioEntry => ({ name, mode: 0o040755 }));
    const all = [...implied, ...[...this.byName.values()].map((v) => v.entry)];
    return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
