#!/usr/bin/env node
// Generates the kernel's syscall dispatch table from catalog.json (the one source of truth):
// every entry whose status is not `missing` maps to `sys_<name>`, so a missing handler fails the
// link. Usage: node gen-dispatch.mjs catalog.json out.c
import { readFileSync, writeFileSync } from 'node:fs';

const [catalogPath, outPath] = process.argv.slice(2);
if (!catalogPath || !outPath) {
  console.error('usage: gen-dispatch.mjs <catalog.json> <out.c>');
  process.exit(2);
}
const entries = JSON.parse(readFileSync(catalogPath, 'utf8'));
const statuses = new Set(['full', 'partial', 'fake', 'stub', 'missing']);
for (const e of entries) {
  if (!Number.isInteger(e.nr) || e.nr < 0 || e.nr >= 512 || !/^[a-z0-9_]+$/.test(e.name) || !statuses.has(e.status)) {
    console.error(`gen-dispatch: bad catalog entry ${JSON.stringify(e)}`);
    process.exit(1);
  }
}
const handled = entries.filter((e) => e.status !== 'missing');
const lines = [
  '/* Generated from syscall-shim/catalog.json by syscall-shim/gen-dispatch.mjs: do not edit. */',
  '#include "syscall.h"',
  '',
  ...handled.map((e) => `extern long sys_${e.name}();`),
  '',
  'const syscall_fn syscall_table[SYSCALL_COUNT] = {',
  ...handled.map((e) => `\t[${e.nr}] = (syscall_fn)sys_${e.name},`),
  '};',
  '',
  'const char *const syscall_names[SYSCALL_COUNT] = {',
  ...entries.map((e) => `\t[${e.nr}] = "${e.name}",`),
  '};',
  '',
];
writeFileSync(outPath, lines.join('\n'));
