// Go's function table as analyzer/gopclntab.ts reads it, against Go's own reader (debug/gosym, in the
// go-tool-funcs fixture) and, where the binary keeps symbols, against binutils' nm.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readElf } from '../analyzer/elf/index.js';
import { goFunctions, pclntabAddress } from '../analyzer/gopclntab.js';
import { goBuilds, goFixturePath, goFuncsTool } from '../fixtures/go/index.js';
import { fixturePath } from '../fixtures/index.js';

const hex = (n: number): string => n.toString(16);

describe('Go function table', () => {
  for (const { prog, variant } of goBuilds) {
    it(`go-${prog}.${variant}: every function as Go's debug/gosym reads it`, () => {
      const path = goFixturePath(prog, variant);
      const elf = readElf(new Uint8Array(readFileSync(path)), path);
      const at = pclntabAddress(elf);
      expect(at).toBeDefined();
      // A PIE has no .gopclntab section: the oracle reads the table where we found it.
      const args = variant === 'pie' ? [path, hex(Number(at?.addr))] : [path];
      const oracle = execFileSync(goFuncsTool, args, { encoding: 'utf8', maxBuffer: 1 << 26 }).trim().split('\n');
      const ours = goFunctions(elf).map((f) => `${hex(f.start)} ${hex(f.end)} ${f.name}`);
      expect(ours.length).toBeGreaterThan(1000);
      expect(ours).toEqual(oracle);
      expect(ours.some((l) => l.endsWith(' main.main'))).toBe(true);
    });
  }

  it('go-hello.static: starts and names agree with nm', () => {
    const path = goFixturePath('hello', 'static');
    const nm = new Map<string, number>();
    for (const line of execFileSync('nm', [path], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n')) {
      const m = /^([0-9a-f]+) [Tt] (.+)$/.exec(line);
      if (m !== null) nm.set(m[2], Number.parseInt(m[1], 16));
    }
    const fns = goFunctions(readElf(new Uint8Array(readFileSync(path)), path));
    // nm names assembly (ABI0) functions with a .abi0 suffix; the function table does not. Array
    // lengths in names are elided in the table ("[...]") but not in the symbols.
    const named = fns.filter((f) => !f.name.includes('[...]'));
    expect(named.length).toBeGreaterThan(1000);
    expect(named.filter((f) => nm.get(f.name) !== f.start && nm.get(`${f.name}.abi0`) !== f.start).map((f) => f.name)).toEqual([]);
  });

  it('a C program has no Go function table', () => {
    const path = fixturePath('hello', 'glibc-static');
    expect(goFunctions(readElf(new Uint8Array(readFileSync(path)), path))).toEqual([]);
  });
});
