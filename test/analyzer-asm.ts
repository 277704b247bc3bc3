// Test helper: assemble a snippet of x86-64 assembly (GNU as, Intel syntax) into raw bytes at address 0.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';

const dir = join('build', 'analyzer-test', 'asm');

export function assemble(source: string): Uint8Array {
  mkdirSync(dir, { recursive: true });
  const id = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const s = join(dir, `${id}.s`);
  const o = join(dir, `${id}.o`);
  const bin = join(dir, `${id}.bin`);
  writeFileSync(s, `.intel_syntax noprefix\n.text\n${source}\n`);
  execFileSync('as', ['--64', '-o', o, s]);
  execFileSync('objcopy', ['-O', 'binary', '-j', '.text', o, bin]);
  return new Uint8Array(readFileSync(bin));
}
