// `ukify analyze --why SYSCALL`: every chain it prints must be a real path through the program.
// The edges are checked against objdump's disassembly and nm's symbol table, and the expected chain
// of the nullsys fixture comes from its source (main calls syscall(SYS_getppid)).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SyscallUse } from '../analyzer/analysis.js';
import { analyzeProgram } from '../analyzer/analyze.js';
import { fixturePath, fixturesDir } from '../fixtures/index.js';

const cli = 'dist/cli/main.js';
const cache = mkdtempSync(join(tmpdir(), 'ukify-why-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function ukify(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('node', [cli, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1', XDG_CACHE_HOME: cache } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function why(program: string, syscall: string): SyscallUse {
  const r = ukify('analyze', program, '--why', syscall, '--json');
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as SyscallUse;
}

/** Function symbols of a program by name, from nm: start and size. */
function symbols(program: string): Map<string, { start: number; size: number }> {
  const out = new Map<string, { start: number; size: number }>();
  for (const line of execFileSync('nm', ['-S', '--defined-only', program], { encoding: 'utf8' }).split('\n')) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) [tTiIwW] (\S+)$/.exec(line);
    if (m !== null) out.set(m[3], { start: Number.parseInt(m[1], 16), size: Number.parseInt(m[2], 16) });
  }
  return out;
}

/** Addresses the code of a function mentions (call and jump targets, rip-relative operands, immediates), per objdump. */
function mentioned(program: string, f: { start: number; size: number }): Set<number> {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', `--start-address=0x${f.start.toString(16)}`, `--stop-address=0x${(f.start + f.size).toString(16)}`, program], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  const out = new Set<number>();
  for (const m of text.matchAll(/(?:\s|# )([0-9a-f]+) <[^>]+>/g)) out.add(Number.parseInt(m[1], 16));
  for (const m of text.matchAll(/\$0x([0-9a-f]+)/g)) out.add(Number.parseInt(m[1], 16));
  return out;
}

describe('ukify analyze --why', () => {
  it('hello and nullsys (glibc, static): each step of every chain mentions the next one in its code', async () => {
    let edges = 0;
    for (const name of ['hello', 'nullsys'] as const) {
      const program = fixturePath(name, 'glibc-static');
      const analysis = await analyzeProgram(program, { cacheDir: cache, paths: true });
      const syms = symbols(program);
      for (const origin of analysis.syscalls.flatMap((s) => s.from)) {
        const path = origin.path ?? [];
        expect(path.length, `${origin.function}: a path`).toBeGreaterThan(0);
        expect(['root', 'data']).toContain(path[0].how);
        expect(path.at(-1)?.function).toBe(origin.function);
        for (const [i, step] of path.entries()) {
          expect(step.object).toBe(resolve(program));
          if (i === 0) continue;
          expect(['call', 'pointer', 'number']).toContain(step.how);
          const before = syms.get(path[i - 1].function);
          const target = syms.get(step.function);
          if (before === undefined || target === undefined) continue; // a function only the analyzer names (sub_…)
          expect(mentioned(program, before).has(target.start), `${path[i - 1].function} mentions ${step.function}`).toBe(true);
          edges++;
        }
      }
    }
    expect(edges).toBeGreaterThan(20);
  });

  it('nullsys (glibc, dynamic): the number passed to syscall() leads back to main and _start', () => {
    const program = fixturePath('nullsys', 'glibc-dynamic');
    const use = why(program, 'getppid');
    const viaSyscall = use.from.find((o) => o.function === 'syscall');
    const path = (viaSyscall?.path ?? []).map((s) => [s.object === resolve(program) ? 'nullsys' : 'lib', s.function, s.how]);
    expect(path[0]).toEqual(['nullsys', '_start', 'root']);
    expect(path.at(-2)?.slice(0, 2)).toEqual(['nullsys', 'main']);
    expect(path.at(-1)).toEqual(['lib', 'syscall', 'number']);
  });

  it("busybox (Debian's busybox-static, stripped): what its applets do is reached through pointers stored in data", () => {
    // The applets' main functions are found only through busybox's table of pointers in read-only
    // data (no symbols, no unwind tables, no relocations): each such chain starts at a function whose
    // address the file holds as an aligned 8-byte word.
    const bytes = readFileSync('/bin/busybox');
    const words = new Set<bigint>();
    for (let o = 0; o + 8 <= bytes.length; o += 8) words.add(bytes.readBigUInt64LE(o));
    for (const name of ['clone', 'uname', 'getppid', 'sendfile', 'clock_nanosleep']) {
      const use = why('/bin/busybox', name);
      const starts = use.from.map((o) => o.path?.[0]).filter((step) => step?.how === 'data');
      expect(starts.length, name).toBeGreaterThan(0);
      const stored = starts.filter((step) => /^sub_[0-9a-f]+$/.test(step?.function ?? '') && words.has(BigInt(`0x${step?.function.slice(4)}`)));
      expect(stored.length, `${name}: a chain from an address stored in the file`).toBeGreaterThan(0);
    }
  });

  it('fnptr (glibc, dynamic): a function looked up with dlsym is reached by name from main', () => {
    const program = join(fixturesDir, 'fnptr.glibc-dynamic');
    for (const name of ['getpriority', 'getitimer']) {
      const use = why(program, name);
      const origin = use.from.find((o) => o.function === name);
      const path = (origin?.path ?? []).map((s) => [s.object === resolve(program) ? 'fnptr' : 'lib', s.function, s.how]);
      expect(path.at(-1), name).toEqual(['lib', name, 'name']);
      expect(path.at(-2)?.slice(0, 2), name).toEqual(['fnptr', 'main']);
    }
  });

  it('the table names the syscall and each chain, ending with the function that has the site', () => {
    const program = fixturePath('hello', 'glibc-static');
    const use = why(program, 'exit_group');
    const r = ukify('analyze', program, '--why', 'exit_group');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^exit_group \\(231\\): ${use.status}`));
    for (const origin of use.from.slice(0, 10)) {
      const head = lines.indexOf(`hello.glibc-static: ${origin.function}, reached by:`);
      expect(head, origin.function).toBeGreaterThan(0);
      const chain = lines.slice(head + 1, head + 1 + (origin.path?.length ?? 0));
      expect(chain.map((l) => l.trim().split(/\s+/)[1])).toEqual(origin.path?.map((s) => s.function));
    }
  });

  it('a syscall the program cannot make: says so, exit status 1', () => {
    const r = ukify('analyze', fixturePath('hello', 'glibc-static'), '--why', 'fork');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^fork \(57\): not in the set/);
  });

  it('an unknown syscall name or a conflicting option: one line, exit status 2', () => {
    for (const args of [['--why', 'nosuchcall'], ['--why', '9999'], ['--why', 'write', '--markdown']]) {
      const r = ukify('analyze', fixturePath('hello', 'glibc-static'), ...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^ukify: /);
    }
  });
});
