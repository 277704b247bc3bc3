// The syscall catalog's declared arguments, checked against a source independent of it (strace's own
// syscall table), and the generator that turns them into the kernel's prototypes, wrappers and stubs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../fixtures/index.js';
import { loadCatalog, type CatalogEntry } from '../syscall-shim/catalog.js';

const catalog = [...loadCatalog().values()];
const generator = join(repoRoot, 'syscall-shim', 'gen-dispatch.mjs');
const errnoH = join(repoRoot, 'kernel', 'api', 'errno.h');
const work = mkdtempSync(join(tmpdir(), 'ukify-catalog-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Where the kernel's prototype and strace's table disagree on purpose. preadv and pwritev take the
 * offset as two longs (pos_l, pos_h: SYSCALL_DEFINE5 in fs/read_write.c, for 32-bit ABIs) and x86-64
 * passes both registers; strace counts them as their libc wrappers (4), while it counts pos_h for
 * preadv2 and pwritev2 (6).
 */
const kernelArity: Record<string, number> = { preadv: 5, pwritev: 5 };

/**
 * Arity of each named syscall as strace prints it: a static program without libc makes each call
 * with zeroed registers while strace injects ENOSYS in place of every call (none runs), and
 * `-e raw=all` prints as many arguments as strace's syscall table gives the syscall.
 */
function straceArity(nrs: readonly number[]): Map<string, number> {
  const probe = join(work, 'arity-probe');
  const cc = spawnSync(
    'gcc',
    ['-O2', '-static', '-nostdlib', '-fno-pie', '-no-pie', `-DNRS=${nrs.join(',')}`, '-o', probe, join(repoRoot, 'test', 'helpers', 'arity-probe.c')],
    { encoding: 'utf8' },
  );
  if (cc.status !== 0) throw new Error(`gcc failed on test/helpers/arity-probe.c: ${cc.stderr}`);
  const trace = join(work, 'arity.trace');
  const run = spawnSync('strace', ['-o', trace, '-e', 'raw=all', '-e', 'inject=!execve,exit_group:error=ENOSYS', probe], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`strace failed (is it installed?): ${run.error?.message ?? run.stderr}`);
  const arity = new Map<string, number>();
  for (const line of readFileSync(trace, 'utf8').split('\n')) {
    const m = /^([a-z0-9_]+)\(([^)]*)\)/.exec(line);
    if (m !== null) arity.set(m[1], m[2].trim() === '' ? 0 : m[2].split(',').length);
  }
  return arity;
}

describe('catalog arguments', () => {
  it('every entry that is not missing declares its arguments, each "TYPE NAME" in the kernel types', () => {
    expect(catalog.filter((e) => e.status !== 'missing' && e.args === undefined).map((e) => e.name)).toEqual([]);
    const bad = catalog.flatMap((e) => (e.args ?? []).filter((a) => !/^(int|unsigned|long|u64|i64) [a-z_][a-z0-9_]*$/.test(a)));
    expect(bad).toEqual([]);
  });

  it("every declared arity is Linux's, as strace's syscall table has it", () => {
    const declared = catalog.filter((e): e is CatalogEntry & { args: string[] } => e.args !== undefined);
    expect(declared.length).toBeGreaterThan(300);
    // execve starts the probe and exit_group ends it: strace prints both without injecting
    const arity = straceArity(declared.map((e) => e.nr).filter((nr) => nr !== 59 && nr !== 231));
    const wrong = declared
      .map((e) => ({ name: e.name, declared: e.args.length, linux: kernelArity[e.name] ?? arity.get(e.name) }))
      .filter((d) => d.declared !== d.linux);
    expect(wrong).toEqual([]);
    // the exceptions are still what strace says, so they stay exceptions only while needed
    for (const name of Object.keys(kernelArity)) expect(arity.get(name), name).toBe(kernelArity[name] - 1);
  });
});

/** Runs the generator on a catalog; its exit status, stderr and the files it wrote. */
function generate(entries: unknown[]): { status: number | null; stderr: string; out: string } {
  const dir = mkdtempSync(join(work, 'gen-'));
  const path = join(dir, 'catalog.json');
  writeFileSync(path, JSON.stringify(entries));
  const r = spawnSync('node', [generator, path, errnoH, join(dir, 'out')], { encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, out: join(dir, 'out') };
}

const read = { nr: 0, name: 'read', status: 'full', args: ['int fd', 'u64 buf', 'u64 len'], note: '' };

describe('gen-dispatch.mjs', () => {
  it('writes the typed prototype, a wrapper narrowing each register to its type, and the generated stubs', () => {
    const r = generate([
      { nr: 17, name: 'pread64', status: 'full', args: ['int fd', 'unsigned n', 'long l', 'u64 buf', 'i64 off'], note: '' },
      { nr: 57, name: 'fork', status: 'stub', args: [], errno: 'ENOSYS', note: 'ENOSYS' },
      { nr: 59, name: 'execve', status: 'missing', note: '' },
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const header = readFileSync(join(r.out, 'syscalls.h'), 'utf8');
    expect(header).toContain('long sys_pread64(int fd, unsigned n, long l, u64 buf, i64 off);');
    expect(header).toContain('long sys_fork(void);');
    expect(header).not.toContain('execve');
    const dispatch = readFileSync(join(r.out, 'dispatch.c'), 'utf8');
    expect(dispatch).toContain('sys_pread64((int)r->rdi, (unsigned)r->rsi, (long)r->rdx, r->r10, (i64)r->r8)');
    expect(dispatch).toContain('[17] = w_pread64,');
    expect(dispatch).toContain('[59] = "execve",');
    expect(readFileSync(join(r.out, 'stubs.c'), 'utf8')).toContain('long sys_fork(void) { return -ENOSYS; }');
    for (const f of ['syscalls.h', 'dispatch.c', 'stubs.c']) expect(readFileSync(join(r.out, f), 'utf8')).toMatch(/^\/\* Generated from .* do not edit\. \*\//);
  });

  const malformed: [string, Record<string, unknown>, RegExp][] = [
    ['an unknown type', { ...read, args: ['int fd', 'size_t len'] }, /read \(0\): unknown type "size_t"/],
    ['a missing args list', { nr: 3, name: 'close', status: 'full', note: '' }, /close \(3\): "args" is required/],
    ['a stub without errno', { nr: 57, name: 'fork', status: 'stub', args: [], note: 'x' }, /fork \(57\): a stub has either "errno"/],
    ['an errno errno.h lacks', { nr: 57, name: 'fork', status: 'stub', args: [], errno: 'ENOPE', note: 'x' }, /fork \(57\): errno "ENOPE" is not defined in kernel\/api\/errno\.h/],
    ['an errno on a non-stub', { ...read, errno: 'ENOSYS' }, /read \(0\): "errno" is only for stubs/],
    ['seven arguments', { ...read, args: ['int a', 'int b', 'int c', 'int d', 'int e', 'int f', 'int g'] }, /read \(0\): 7 args/],
    ['a misspelt field', { ...read, erno: 'ENOSYS' }, /read \(0\): unknown field "erno"/],
  ];
  for (const [what, entry, message] of malformed) {
    it(`fails on ${what}, naming the entry`, () => {
      const r = generate([entry]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
    });
  }
});
