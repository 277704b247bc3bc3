// Tables the analysis reads in data (fixtures/dlsym-table.c): names a loop loads from an array of
// string pointers and hands to dlsym count as looked up, and a jump through a switch table whose
// bound the analysis cannot find is said in the report as a doubt, never silently dropped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeProgram } from '../analyzer/analyze.js';
import { fixturesDir, variants } from '../fixtures/index.js';
import { traceRun } from '../harness/strace.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-tables-'));
const cacheDir = join(work, 'cache');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const getpgid = 121;
const getsid = 124;
const schedGetPriorityMax = 146;
const unboundedReason = /^jumps through a table whose bound the analysis cannot find/;

describe('dlsym-table fixture', () => {
  for (const variant of variants) {
    const path = join(fixturesDir, `dlsym-table.${variant}`);
    it(`${variant}: every traced syscall is in the static set; the unbounded switch is a doubt`, async () => {
      const traced = traceRun(work, [path, '0', '3', '7'], path);
      expect(traced.status).toBe(0);
      const analysis = await analyzeProgram(path, { cacheDir });
      const found = new Set(analysis.syscalls.map((s) => s.nr));
      expect([...traced.syscalls].filter((n) => !found.has(n))).toEqual([]);
      const doubts = analysis.doubts.filter((d) => d.object === resolve(path) && unboundedReason.test(d.reason));
      expect(doubts.length).toBe(1);
      // A dynamic build holds only the program's own code: the one switch; a static one has its libc's too.
      if (variant.endsWith('-dynamic')) expect(doubts[0].count).toBe(1);
      else expect(doubts[0].count).toBeGreaterThanOrEqual(1);
    });
  }

  for (const variant of ['glibc-dynamic', 'musl-dynamic']) {
    it(`${variant}: every name the table holds is looked up (getsid, sched_get_priority_max, getpgid)`, async () => {
      const path = join(fixturesDir, `dlsym-table.${variant}`);
      const traced = traceRun(work, [path], path);
      // The run does look them up and call them: the analysis must find what the trace shows.
      for (const nr of [getsid, schedGetPriorityMax, getpgid]) expect(traced.syscalls).toContain(nr);
      const analysis = await analyzeProgram(path, { cacheDir, paths: true });
      for (const nr of [getsid, schedGetPriorityMax, getpgid]) {
        const use = analysis.syscalls.find((s) => s.nr === nr);
        expect(use, String(nr)).toBeDefined();
        // Reached by name from the program's main.
        const steps = use?.from.flatMap((o) => o.path ?? []) ?? [];
        expect(steps.some((s) => s.how === 'name')).toBe(true);
      }
    });
  }
});
