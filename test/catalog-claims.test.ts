// What the syscall catalog claims of its fakes and stubs, checked in the guest, and the notes'
// words checked against their statuses (DESIGN.md, "Syscall status levels"). One fixture
// (fixtures/sys-claims.c) makes every fake and stub call in one boot: a fake must succeed, a stub
// must fail with the error its note names (for a generated stub, its "errno"). The fixture has
// valid arguments for each fake and each hand-written stub; a generated stub is called with zeros
// (its body returns its error whatever it is given). A new fake or hand-written stub without a case
// in the fixture fails here until it gets one.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath, repoRoot } from '../fixtures/index.js';
import { loadCatalog, type CatalogEntry } from '../syscall-shim/catalog.js';
import { runGuest, type GuestRun } from './kernel-boot.js';
import { runNative } from './helpers/native.js';

const catalog = [...loadCatalog().values()];
const fakes = catalog.filter((e) => e.status === 'fake');
const stubs = catalog.filter((e) => e.status === 'stub');

/** Errno names and numbers, from the kernel's own header (Linux's numbers). */
const errnos = new Map(
  [...readFileSync(join(repoRoot, 'kernel', 'api', 'errno.h'), 'utf8').matchAll(/^#define\s+(E[A-Z0-9]+)\s+(\d+)\b/gm)].map(
    (m) => [m[1], Number(m[2])] as const,
  ),
);

/** The first errno a note names: for a stub, the error it returns once its arguments are valid. */
function namedErrno(note: string): string | undefined {
  return [...note.matchAll(/\bE[A-Z0-9]{2,}\b/g)].map((m) => m[0]).find((n) => errnos.has(n));
}

/** The error a stub claims: its generated body's errno, else the first errno its note names. */
const claimedErrno = (e: CatalogEntry): string | undefined => e.errno ?? namedErrno(e.note);

/** Words that say a call does something: a call that does is `partial`, not `fake`. */
const effectWords = /\b(recorded|reported|stored|kept|applied|honou?red|enforced|takes? effect)\b/i;
/** Words that admit a gap: an entry whose note says so is not `full`. */
const gapWords = /\b(not implemented|unimplemented|not supported|unsupported|no effect|without effect|recorded only|accepted only|not enforced|not yet|ENOSYS|stub|fake)\b/i;

describe('catalog notes agree with their statuses', () => {
  it('a stub names the error it returns, first in its note; a generated stub names its own errno', () => {
    const unnamed = stubs.filter((e) => namedErrno(e.note) === undefined).map((e) => e.name);
    expect(unnamed, 'stubs whose note names no errno (one that succeeds is a fake)').toEqual([]);
    const other = stubs.filter((e) => e.errno !== undefined && namedErrno(e.note) !== e.errno);
    expect(other.map((e) => `${e.name}: errno ${e.errno}, note names ${namedErrno(e.note)}`)).toEqual([]);
  });

  it('a fake claims no effect (a call that records or applies something is partial)', () => {
    expect(fakes.filter((e) => effectWords.test(e.note)).map((e) => `${e.name}: ${e.note}`)).toEqual([]);
  });

  it('a full entry admits no gap in its note', () => {
    const full = catalog.filter((e) => e.status === 'full' && gapWords.test(e.note));
    expect(full.map((e) => `${e.name}: ${e.note}`)).toEqual([]);
  });

  it('a missing entry has no note (it returns ENOSYS and has no behaviour to describe)', () => {
    expect(catalog.filter((e) => e.status === 'missing' && e.note !== '').map((e) => e.name)).toEqual([]);
  });
});

/** The fixture's arguments: generated stubs with zeros, the others with the fixture's own case. */
const callArgs = (entries: readonly CatalogEntry[]): string[] =>
  entries.map((e) => (e.errno !== undefined ? `${e.nr}:zeros` : String(e.nr)));

/** "NR RESULT" lines into results by number (a string: a number, or "nocase"). */
function parseResults(stdout: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of stdout.matchAll(/^(\d+) (-?\d+|nocase)$/gm)) out.set(Number(m[1]), m[2]);
  return out;
}

describe('fakes and stubs, called in the guest (fixtures/sys-claims.c, one boot)', () => {
  const program = fixturePath('sys-claims', 'musl-static');
  let guest: GuestRun;
  let results: Map<number, string>;
  beforeAll(async () => {
    guest = await runGuest(program, { args: callArgs([...fakes, ...stubs]) });
    results = parseResults(guest.stdout);
  });

  it('the fixture ran to its end and has a case for every fake and hand-written stub', () => {
    expect(guest.exit, `${guest.stdout}\n${guest.log}`).toBe(0);
    const uncalled = [...fakes, ...stubs].filter((e) => results.get(e.nr) === undefined || results.get(e.nr) === 'nocase');
    expect(uncalled.map((e) => `${e.name} (${e.nr}): add its arguments to fixtures/sys-claims.c`)).toEqual([]);
  });

  it('the kernel dispatched each one (none logged as an unsupported syscall)', () => {
    const names = new Set([...fakes, ...stubs].map((e) => e.name));
    const unsupported = [...guest.log.matchAll(/unsupported syscall '([a-z0-9_]+)'/g)].map((m) => m[1]);
    expect(unsupported.filter((n) => names.has(n))).toEqual([]);
  });

  for (const e of fakes) {
    it(`fake ${e.name} returns success`, () => {
      const r = results.get(e.nr);
      expect(r, `${e.name}: no result`).toMatch(/^\d+$/);
    });
  }

  for (const e of stubs) {
    const name = claimedErrno(e);
    it(`stub ${e.name} fails with ${name ?? 'the error its note names'}`, () => {
      const r = results.get(e.nr);
      expect(name, `${e.name} returned ${r}; a stub's note names its error first: ${e.note}`).toBeDefined();
      expect(r, `${e.name} returned ${r}, not -${name}`).toBe(String(-(errnos.get(name ?? '') ?? NaN)));
    });
  }
});

describe('the fixture natively', () => {
  const work = mkdtempSync(join(tmpdir(), 'ukify-claims-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("gives each fake arguments Linux accepts: natively every fake's call succeeds", () => {
    const r = runNative(fixturePath('sys-claims', 'glibc-static'), callArgs(fakes), { cwd: work });
    expect(r.status, r.stdout).toBe(0);
    const results = parseResults(r.stdout);
    expect(fakes.filter((e) => !/^\d+$/.test(results.get(e.nr) ?? '')).map((e) => `${e.name}: ${results.get(e.nr)}`)).toEqual([]);
  });
});
