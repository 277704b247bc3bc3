// Crash reports (issue 12, part 4): the call frame rules of analyzer/elf/cfi.ts against readelf's
// own interpretation of .eh_frame, and the backtrace `ukify run` prints when the crash fixture dies
// of SIGSEGV, naming crash_here and its caller with the source lines where they are.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frameRuleAt } from '../analyzer/elf/cfi.js';
import { readElf } from '../analyzer/elf/read.js';
import { fixturePath, repoRoot } from '../fixtures/index.js';
import { ukifyRun } from './helpers/guest.js';
import { scratch } from './helpers/scratch.js';

const { dir: work } = scratch('ukify-crash-report');
const dwarfRegs: Record<string, number> = { rax: 0, rdx: 1, rcx: 2, rbx: 3, rsi: 4, rdi: 5, rbp: 6, rsp: 7, r8: 8, r9: 9, r10: 10, r11: 11, r12: 12, r13: 13, r14: 14, r15: 15, ra: 16 };

interface Row {
  loc: bigint;
  cfa: string;
  regs: Map<number, string>;
}

/** readelf -wF's rows: per FDE, the CFA and each register's rule from each location on. */
function readelfRows(path: string): Row[] {
  // (readelf exits with 1 when it cannot find a separate debug file, and still prints the table)
  const r = spawnSync('readelf', ['-wF', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  expect(r.stdout).toContain('Contents of the .eh_frame section');
  const rows: Row[] = [];
  let columns: string[] = [];
  let inFde = false;
  for (const line of r.stdout.split('\n')) {
    if (/ FDE cie=/.test(line)) inFde = true;
    else if (/ CIE /.test(line)) inFde = false;
    else if (line.startsWith('   LOC')) columns = line.trim().split(/\s+/).slice(2);
    else if (inFde && /^[0-9a-f]{16} /.test(line)) {
      // a rule is u, s, c+N, c-N, exp, or rN (name): a register that holds the value
      const [loc, cfa, ...rules] = (line.match(/r\d+ \([a-z0-9]+\)|\S+/g) ?? []) as [string, string, ...string[]];
      rows.push({ loc: BigInt(`0x${loc}`), cfa, regs: new Map(columns.map((c, i) => [dwarfRegs[c] ?? -1, rules[i] as string])) });
    }
  }
  return rows;
}

describe('analyzer/elf/cfi.ts: the call frame rule at an address, as readelf -wF interprets .eh_frame', () => {
  for (const path of [fixturePath('crash', 'glibc-static'), '/lib/x86_64-linux-gnu/libc.so.6']) {
    it(path, () => {
      const elf = readElf(readFileSync(path), path);
      const rows = readelfRows(path);
      expect(rows.length).toBeGreaterThan(100);
      // every row of small files; a spread of a large one's
      const step = Math.max(1, Math.floor(rows.length / 3000));
      for (let i = 0; i < rows.length; i += step) {
        const row = rows[i] as Row;
        const rule = frameRuleAt(elf, row.loc);
        const cfa = rule?.cfa === undefined ? 'exp' : `${Object.keys(dwarfRegs).find((k) => dwarfRegs[k] === rule.cfa?.reg)}+${rule.cfa.offset}`;
        const regs = new Map([...row.regs].map(([reg]) => {
          const saved = rule?.saved.get(reg);
          const text = saved === undefined ? 'u' : saved === 'same' ? 's' : 'inReg' in saved ? `r${saved.inReg}` : `c${saved.at < 0n ? '' : '+'}${saved.at}`;
          return [reg, text];
        }));
        const theirs = new Map([...row.regs].map(([reg, text]) => [reg, text.replace(/^(r\d+) \(.*\)$/, '$1')]));
        expect({ loc: row.loc.toString(16), cfa, regs: Object.fromEntries(regs) }).toEqual({ loc: row.loc.toString(16), cfa: row.cfa, regs: Object.fromEntries(theirs) });
      }
    }, 120_000);
  }
});

describe('a crash: the backtrace ukify run prints', () => {
  // The source lines of the fault and of the call to it, from the fixture's source.
  const source = readFileSync(`${repoRoot}/fixtures/crash.c`, 'utf8').split('\n');
  const faultLine = source.findIndex((l) => l.includes('*crash_target = value;')) + 1;
  const callLine = source.findIndex((l) => l.includes('crash_here(42);')) + 1;

  for (const variant of ['glibc-static', 'glibc-dynamic', 'musl-static', 'musl-dynamic'] as const) {
    it(`crash.${variant}: crash_here, then main, each with its file:line, then the C library's start`, () => {
      const r = ukifyRun([fixturePath('crash', variant), '--no-discover'], { cwd: work });
      expect(r.status).toBe(128 + 11);
      const lines = r.stderr.split('\n');
      const at = lines.findIndex((l) => l === 'ukify: backtrace (pid 1, SIGSEGV):');
      expect(at, r.stderr).toBeGreaterThanOrEqual(0);
      const program = `crash.${variant}`;
      expect(lines[at + 1]).toMatch(new RegExp(`^ukify: {3}#0 0x[0-9a-f]+ crash_here\\+0x[0-9a-f]+ \\(${program.replace('.', '\\.')}\\) at .*/fixtures/crash\\.c:${faultLine}$`));
      expect(lines[at + 2]).toMatch(new RegExp(`^ukify: {3}#1 0x[0-9a-f]+ main\\+0x[0-9a-f]+ \\(${program.replace('.', '\\.')}\\) at .*/fixtures/crash\\.c:${callLine}$`));
      expect(lines[at + 3]).toMatch(/^ukify: {3}#2 0x[0-9a-f]+ /);
      // no crash record line is left for the user
      expect(r.stderr).not.toContain('ukify-crash:');
    }, 120_000);
  }
});

describe('--core FILE: a core file gdb opens', () => {
  for (const variant of ['glibc-static', 'glibc-dynamic', 'musl-static'] as const) {
    it(`crash.${variant}: gdb PROGRAM CORE's bt names crash_here and main, as the backtrace does`, () => {
      const program = fixturePath('crash', variant);
      const core = `${work}/core.${variant}`;
      const r = ukifyRun([program, '--no-discover', '--core', core], { cwd: work });
      expect(r.status).toBe(128 + 11);
      expect(r.stderr).toContain(`ukify: core file written to ${core}`);
      const gdb = spawnSync('gdb', ['-nx', '-batch', '-ex', 'bt', program, core], { encoding: 'utf8', timeout: 60_000 });
      // gdb shows frame #0 once when it loads the core, then bt's frames
      const lines = gdb.stdout.split('\n').filter((l) => /^#\d/.test(l));
      const frames = lines.slice(lines.map((l) => l.startsWith('#0')).lastIndexOf(true));
      expect(frames[0], gdb.stdout + gdb.stderr).toMatch(/^#0 +0x[0-9a-f]+ in crash_here \(.*\) at .*crash\.c:\d+$/);
      expect(frames[1], gdb.stdout + gdb.stderr).toMatch(/^#1 +0x[0-9a-f]+ in main \(.*\) at .*crash\.c:\d+$/);
      expect(gdb.stdout).toContain('Program terminated with signal SIGSEGV');
    }, 120_000);
  }
});
