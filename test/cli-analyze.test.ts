// The `syscalls` and `analyze` commands, run as a user runs them: `node dist/cli/main.js ...`.
// Expected values come from catalog.json read directly, from readelf, or from the input itself.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixturePath } from '../fixtures/index.js';
import { loadCatalog } from '../syscall-shim/catalog.js';

const cli = 'dist/cli/main.js';
const hello = fixturePath('hello', 'glibc-static');
const helloDynamic = fixturePath('hello', 'glibc-dynamic');
// The analyzer's cache goes to a fresh directory: every run analyzes from scratch.
const cache = mkdtempSync(join(tmpdir(), 'ukify-cli-cache-'));

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function ukify(...args: string[]): Result {
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cache } });
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
  // dist/ is compiled once per run by the global setup.
  expect(existsSync(cli)).toBe(true);
});

afterAll(() => {
  rmSync(cache, { recursive: true, force: true });
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

describe('ukify analyze: bad input', () => {
  const oneLine = (r: Result) => {
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toHaveLength(2); // one line and its newline
    expect(r.stderr).toMatch(/^ukify: /);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at |Error:/);
  };

  it('refuses a missing file', () => {
    const r = ukify('analyze', '/nonexistent/program');
    oneLine(r);
    expect(r.stderr).toBe('ukify: /nonexistent/program: no such file or directory\n');
  });

  it('refuses a directory', () => {
    const r = ukify('analyze', '/tmp');
    oneLine(r);
    expect(r.stderr).toBe('ukify: /tmp: is a directory, not a program\n');
  });

  it('refuses a file that is not ELF', () => {
    oneLine(ukify('analyze', '/etc/passwd'));
  });

  it('refuses an unreadable file', () => {
    // Root reads anything: the command runs as nobody on a file only root may read.
    const dir = resolve('build/cli-analyze-test');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'secret');
    copyFileSync(hello, file);
    chmodSync(file, 0o000);
    const r = spawnSync('node', [cli, 'analyze', file], { encoding: 'utf8', uid: 65534, gid: 65534, timeout: 60_000 });
    oneLine({ status: r.status, stdout: r.stdout, stderr: r.stderr });
    expect(r.stderr).toBe(`ukify: ${file}: cannot read it: permission denied\n`);
  });

  it('refuses --json with --markdown', () => {
    const r = ukify('analyze', hello, '--json', '--markdown');
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("option '--json' cannot be used with option '--markdown'");
  });

  it('says why the HTML report cannot be written', () => {
    const r = ukify('analyze', hello, '--html', '/nonexistent/dir/r.html');
    oneLine(r);
    expect(r.stderr).toBe('ukify: /nonexistent/dir/r.html: cannot write the HTML report: no such file or directory\n');
  });
});

interface JsonReport {
  binary: string;
  arch: string;
  type: string;
  interpreter: string | null;
  libraries: { soname: string; path: string; neededBy: string[] }[];
  syscalls: { nr: number; name: string; status: string; note: string; sites: number; from: { object: string; function: string }[] }[];
  unresolved: { address: string; function: string; reason: string; object: string }[];
  abi32Sites: unknown[];
  coverage: Record<string, number>;
}

function readelf(...args: string[]): string {
  return spawnSync('readelf', ['-W', ...args], { encoding: 'utf8' }).stdout;
}

/** The summary line, spelled out here from the JSON numbers. */
function expectedSummary(c: Record<string, number>): string {
  return `${c.total} syscalls: ${c.full} full, ${c.partial} partial, ${c.fake} fake, ${c.stub} stub, ${c.missing} missing; ${c.unresolved} unresolved sites`;
}

describe('ukify analyze on a fixture', () => {
  let json: JsonReport;

  beforeAll(() => {
    const r = ukify('analyze', hello, '--json');
    expect(r.stderr).toBe(''); // no progress line: stderr is not a terminal
    expect(r.status).toBe(0);
    json = JSON.parse(r.stdout) as JsonReport;
  });

  it('--json: describes a static program as readelf does, statuses from the catalog', () => {
    expect(json.binary).toBe(resolve(hello));
    expect(json.arch).toBe('x86-64');
    expect(readelf('-h', hello)).toMatch(/Type:\s+EXEC/);
    expect(readelf('-l', hello)).not.toContain('INTERP');
    expect(json.type).toBe('static');
    expect(json.interpreter).toBeNull();
    expect(json.libraries).toEqual([]);
    // hello writes its output and exits: both must be there.
    const names = json.syscalls.map((s) => s.name);
    expect(names).toContain('write');
    expect(names).toContain('exit_group');
    for (const s of json.syscalls) {
      const entry = catalog.find((e) => e.nr === s.nr);
      expect([s.name, s.status, s.note]).toEqual([entry?.name, entry?.status, entry?.note]);
      expect(s.sites).toBeGreaterThan(0);
      expect(s.from.length).toBeGreaterThan(0);
    }
    expect(json.coverage.total).toBe(json.syscalls.length);
    expect(json.coverage.unresolved).toBe(json.unresolved.length);
    for (const st of statuses) expect(json.coverage[st]).toBe(json.syscalls.filter((s) => s.status === st).length);
  });

  it('the table: one row per syscall, sites listed, the summary line, then what an image would allow', () => {
    const r = ukify('analyze', hello);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('\u001b'); // NO_COLOR, and not a terminal anyway
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${resolve(hello)}: x86-64 static`);
    const rows = lines.filter((l) => /^\s*\d+\s+\S+\s+(full|partial|fake|stub|missing)\s+\d+\s/.test(l));
    expect(rows.map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(json.syscalls.map((s) => s.nr));
    for (const u of json.unresolved) expect(r.stdout).toContain(u.address);
    expect(lines.at(-2)).toBe(expectedSummary(json.coverage));
    const implemented = [...loadCatalog().values()].filter((e) => e.status !== 'missing').length;
    const allowed = json.syscalls.filter((s) => s.status !== 'missing').length;
    expect(lines.at(-1)).toMatch(new RegExp(`^the image allows ${allowed} of the ${implemented} syscalls the kernel implements`));
  });

  it('--markdown: a table row per syscall and the summary', () => {
    const r = ukify('analyze', hello, '--markdown');
    expect(r.status).toBe(0);
    const rows = r.stdout.split('\n').filter((l) => /^\| \d+ \|/.test(l));
    expect(rows.map((l) => Number(l.split('|')[1]))).toEqual(json.syscalls.map((s) => s.nr));
    expect(r.stdout).toContain(`**${expectedSummary(json.coverage)}**`);
  });

  it('--html FILE: writes the page, and prints the table too', () => {
    const dir = resolve('build/cli-analyze-test');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'hello.html');
    rmSync(file, { force: true });
    const r = ukify('analyze', hello, '--html', file);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(expectedSummary(json.coverage));
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`HTML report: ${file}`);
    const html = readFileSync(file, 'utf8');
    expect(html.match(/<tr data-nr=/g)).toHaveLength(json.syscalls.length);
    expect(html).toContain(`<p id="summary">${expectedSummary(json.coverage)}</p>`);
  });

  it('--json on a dynamic program: interpreter and libraries as readelf reports them', () => {
    const r = ukify('analyze', helloDynamic, '--json');
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout) as JsonReport;
    const interp = /Requesting program interpreter: ([^\]]+)\]/.exec(readelf('-l', helloDynamic))?.[1];
    expect(j.interpreter).toBe(interp);
    const needed = [...readelf('-d', helloDynamic).matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
    expect(needed).toContain('libc.so.6');
    for (const soname of needed) expect(j.libraries.map((l) => l.soname)).toContain(soname);
    const elfType = /Type:\s+(EXEC|DYN)/.exec(readelf('-h', helloDynamic))?.[1];
    expect(j.type).toBe(elfType === 'DYN' ? 'dynamic-pie' : 'dynamic');
  });
});
