// A test file's own temporary folder, removed after its tests, and fresh empty folders inside it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

export interface Scratch {
  dir: string;
  /** A new empty folder in dir, named after name (never the same one twice). */
  freshDir: (name: string) => string;
}

export function scratch(prefix: string): Scratch {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let counter = 0;
  const freshDir = (name: string): string => {
    const fresh = join(dir, `${name}-${counter++}`);
    mkdirSync(fresh, { recursive: true });
    return fresh;
  };
  return { dir, freshDir };
}
