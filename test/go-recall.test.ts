// Recall of the static syscall set on Go programs, against two independent oracles:
// - strace: every syscall a Go fixture makes when it runs on the host is in the set (precision printed);
// - objdump: every number Go code puts in AX as a constant right before a `syscall` instruction or a
//   call to one of Go's syscall entry points (syscall.Syscall and friends, ABIInternal: number in AX)
//   is in the set. Go's linker drops dead code, so these sites are reachable.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeProgram } from '../analyzer/analyze.js';
import type { Analysis } from '../analyzer/analysis.js';
import { loadCatalog } from '../syscall-shim/catalog.js';
import { goBuilds, goFixturePath } from '../fixtures/go/index.js';
import { traceRun } from '../harness/strace.js';

const work = mkdtempSync(join(tmpdir(), 'ukify-go-recall-'));
const cacheDir = join(work, 'cache');
afterAll(() => rmSync(work, { recursive: true, force: true }));

const catalog = loadCatalog();
const nameOf = (nr: number): string => catalog.get(nr)?.name ?? String(nr);

const analyses = new Map<string, Promise<Analysis>>();
function analysisOf(path: string): Promise<Analysis> {
  let a = analyses.get(path);
  if (a === undefined) {
    a = analyzeProgram(path, { cacheDir });
    analyses.set(path, a);
  }
  return a;
}

/** Syscall numbers strace saw (all threads), without strace's own execve of the program. */
function traced(argv: string[]): Set<number> {
  const r = traceRun(work, argv);
  expect(r.status, `${argv.join(' ')} under strace`).toBe(0);
  return r.syscalls;
}

// Go 1.19's entry points that take the syscall number in AX.
const goEntries = /<(syscall\.(Raw)?Syscall6?|syscall\.rawSyscallNoError|syscall\.rawVforkSyscall|runtime\/internal\/syscall\.Syscall6)>$/;

/**
 * Constant syscall numbers read off objdump's disassembly: for each `syscall` or call to a Go entry
 * point, the nearest earlier instruction of the same straight-line run that writes eax/rax, when it
 * is `mov eax/rax, imm` or `xor eax, eax`.
 */
function constantNumbers(path: string): Map<number, string> {
  const text = execFileSync('objdump', ['-d', '--no-show-raw-insn', '-M', 'intel', path], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const out = new Map<number, string>();
  let fn = '';
  let run: string[] = [];
  for (const line of text.split('\n')) {
    const head = /^[0-9a-f]+ <(.+)>:$/.exec(line);
    if (head !== null) {
      fn = head[1];
      run = [];
      continue;
    }
    const ins = /^\s+[0-9a-f]+:\s+(.*)$/.exec(line)?.[1]?.trim();
    if (ins === undefined) continue;
    if (ins === 'syscall' || (ins.startsWith('call') && goEntries.test(ins))) {
      for (let i = run.length - 1; i >= 0; i--) {
        const m = /^(\w+)\s+(eax|rax|ax|al)\b(?:,(.*))?$/.exec(run[i]);
        if (m === null) continue;
        if (m[1] === 'mov' && /^0x[0-9a-f]+$/.test(m[3] ?? '')) out.set(Number.parseInt(m[3] as string, 16), fn);
        else if (m[1] === 'xor' && m[3] === 'eax') out.set(0, fn);
        break;
      }
    }
    if (/^(call|jmp|ret|j\w+)\b/.test(ins)) run = [];
    else run.push(ins);
  }
  return out;
}

const runs: Record<string, string[]> = {
  hello: ['a', 'b'],
  workers: [],
};

describe('Go: the static syscall set contains every traced syscall', () => {
  for (const { prog, variant } of goBuilds) {
    it(`go-${prog}.${variant}`, async () => {
      const path = goFixturePath(prog, variant);
      const analysis = await analysisOf(path);
      const found = new Set(analysis.syscalls.map((s) => s.nr));
      const seen = traced([path, ...runs[prog]]);
      process.stdout.write(`recall go-${prog}.${variant}: traced ${seen.size}, static ${found.size}, precision ${(found.size / seen.size).toFixed(2)}x, unresolved sites ${analysis.unresolved.length}\n`);
      expect([...seen].filter((n) => !found.has(n)).map(nameOf), 'traced but not found statically').toEqual([]);
    });
  }
});

describe('Go: constant numbers passed in AX (objdump) are in the static set', () => {
  for (const { prog, variant } of goBuilds) {
    it(`go-${prog}.${variant}`, async () => {
      const path = goFixturePath(prog, variant);
      const found = new Set((await analysisOf(path)).syscalls.map((s) => s.nr));
      const constants = constantNumbers(path);
      // The Go runtime alone issues dozens of syscalls from its assembly wrappers.
      expect(constants.size).toBeGreaterThan(20);
      process.stdout.write(`go-${prog}.${variant}: ${constants.size} constant numbers in AX before a syscall or a Go syscall entry point\n`);
      const missed = [...constants].filter(([nr]) => !found.has(nr)).map(([nr, fn]) => `${nameOf(nr)} in ${fn}`);
      expect(missed).toEqual([]);
    });
  }
});
