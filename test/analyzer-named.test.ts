// Exports looked up by name: a function counts when reachable code takes the address of a string
// naming it, not when its name merely sits in read-only data. The program is built here from C
// with syscall numbers chosen so nothing else in the link makes them (chroot, mount).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeProgram } from '../analyzer/analyze.js';

const dir = resolve('build', 'analyzer-test', 'named');
const cacheDir = mkdtempSync(join(tmpdir(), 'ukify-named-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const source = `
static long sys1(long nr, long a) {
  long r;
  __asm__ volatile ("syscall" : "=a"(r) : "a"(nr), "D"(a) : "rcx", "r11", "memory");
  return r;
}
/* Found at run time by the string below, which _start passes on. */
__attribute__((noinline)) long looked_up(long a) { return sys1(161, a); }       /* chroot */
/* Its name is in .rodata, but nothing points at that string. */
__attribute__((noinline)) long not_looked_up(long a) { return sys1(165, a); }   /* mount */
__attribute__((used)) static const char unused_name[] = "not_looked_up";
extern const char *volatile sink;
const char *volatile sink;
void _start(void) {
  sink = "looked_up";
  sys1(60, 0);                                                                 /* exit */
  for (;;) {}
}
`;

function build(): string {
  mkdirSync(dir, { recursive: true });
  const c = join(dir, 'named.c');
  const out = join(dir, 'named');
  writeFileSync(c, source);
  execFileSync('gcc', ['-O1', '-fPIE', '-pie', '-nostdlib', '-Wl,--export-dynamic', '-o', out, c]);
  return out;
}

describe('exports named by strings', () => {
  it('counts the export whose name reachable code points at, not one whose name is only present', async () => {
    const a = await analyzeProgram(build(), { cacheDir });
    const nrs = a.syscalls.map((s) => s.nr);
    expect(nrs).toContain(60);
    expect(nrs).toContain(161);
    expect(nrs).not.toContain(165);
  });
});
