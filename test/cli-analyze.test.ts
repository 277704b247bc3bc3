// The `syscalls` and `analyze` commands, run as a user runs them: `node dist/cli/main.js ...`.
// Expected values come from catalog.json read directly, from readelf, or from the input itself.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

const cli = 'dist/cli/main.js';

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ukify(...args: string[]): Result {
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Entry {
  nr: number;
  name: string;
  status: string;
  note: string;
}
const catalog = JSON.parse(readFileSync('syscall-shim/catalog.json', 'utf8')) as Entry[];
const statuses = ['full', 'partial', 'fake', 'stub', 'missing'];

beforeAll(() => {
  // tsc emits even when files owned by others have type errors; the commands under test must exist.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'ignore' });
  expect(existsSync(cli)).toBe(true);
});

describe('ukify syscalls', () => {
  it('prints every catalog entry, then counts per status', () => {
    const r = ukify('syscalls');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const rows = r.stdout.split('\n').filter((l) => /^\s*\d+\s+\S+\s+(full|partial|fake|stub|missing)\b/.test(l));
    expect(rows).toHaveLength(catalog.length);
    for (const [i, e] of [...catalog].sort((a, b) => a.nr - b.nr).entries()) {
      const [nr, name, status] = rows[i]!.trim().split(/\s+/);
      expect([Number(nr), name, status]).toEqual([e.nr, e.name, e.status]);
    }
    const counts = statuses.map((s) => `${catalog.filter((e) => e.status === s).length} ${s}`).join(', ');
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`${catalog.length} syscalls: ${counts}`);
  });

  it('prints JSON with the same entries and counts', () => {
    const r = ukify('syscalls', '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { syscalls: Entry[]; counts: Record<string, number> };
    expect(j.syscalls).toEqual([...catalog].sort((a, b) => a.nr - b.nr).map(({ nr, name, status, note }) => ({ nr, name, status, note })));
    expect(j.counts.total).toBe(catalog.length);
    for (const s of statuses) expect(j.counts[s]).toBe(catalog.filter((e) => e.status === s).length);
  });

  it('filters by status', () => {
    const r = ukify('syscalls', '--json', '--status', 'missing,stub');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as { syscalls: Entry[] };
    expect(j.syscalls.map((e) => e.nr)).toEqual(catalog.filter((e) => e.status === 'missing' || e.status === 'stub').map((e) => e.nr).sort((a, b) => a - b));
  });

  it('refuses an unknown status in one line, exit 2', () => {
    const r = ukify('syscalls', '--status', 'done');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("ukify: unknown status 'done' (expected one of: full, partial, fake, stub, missing)\n");
  });
});
