// What discovery has decided so far: additions (each with why and its size) and the paths it left
// out (with why). A path already added, or inside a directory already added, is not added twice.

export type AdditionKind = 'file' | 'dir' | 'empty-dir' | 'symlink' | 'generated';

export interface Addition {
  kind: AdditionKind;
  /** Absolute guest path: the host path for what comes from the host. */
  guest: string;
  /** The host file or directory ('file', 'dir'). */
  host?: string;
  /** A symlink's target, as on the host. */
  target?: string;
  /** A generated file's text. */
  text?: string;
  /** Why it is there, for the user: "nginx names /etc/nginx/nginx.conf". */
  why: string;
  /** Bytes of file data it brings (a directory: all its files). */
  bytes: number;
}

export interface Skipped {
  path: string;
  why: string;
}

export interface Discovery {
  additions: Addition[];
  skipped: Skipped[];
}

const within = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

export class Found {
  private readonly added = new Map<string, Addition>();
  private readonly left = new Map<string, Skipped>();

  /** Whether path is added, or lies in a directory (not an empty one) that is. */
  covers(path: string): boolean {
    if (this.added.has(path)) return true;
    for (const a of this.added.values()) if (a.kind === 'dir' && within(path, a.guest)) return true;
    return false;
  }

  add(addition: Addition): void {
    if (this.covers(addition.guest)) return;
    if (addition.kind === 'dir') {
      for (const [guest, a] of this.added) if (within(guest, addition.guest) && a.kind !== 'symlink') this.added.delete(guest);
    }
    this.added.set(addition.guest, addition);
  }

  skip(path: string, why: string): void {
    if (!this.left.has(path)) this.left.set(path, { path, why });
  }

  result(): Discovery {
    const byPath = (a: { guest?: string; path?: string }, b: { guest?: string; path?: string }): number => {
      const x = a.guest ?? a.path ?? '';
      const y = b.guest ?? b.path ?? '';
      return x < y ? -1 : x > y ? 1 : 0;
    };
    const additions = [...this.added.values()].sort(byPath);
    const skipped = [...this.left.values()].filter((s) => !this.covers(s.path)).sort(byPath);
    return { additions, skipped };
  }
}
