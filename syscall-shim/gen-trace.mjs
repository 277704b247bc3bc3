#!/usr/bin/env node
// Generates build/kernel/gen/trace_captures.c from syscall-shim/trace.json: per syscall and
// argument, what of its user memory the kernel copies into `--strace` records (trace-kinds.mjs).
// Every name must be the catalog's, with one kind per argument the catalog declares.
// Usage: node gen-trace.mjs <catalog.json> <trace.json> <out.c>
import { readFileSync, writeFileSync } from 'node:fs';
import { isKnownKind, memoryRule } from './trace-kinds.mjs';

const [catalogPath, tracePath, outPath] = process.argv.slice(2);
if (!catalogPath || !tracePath || !outPath) {
  console.error('usage: gen-trace.mjs <catalog.json> <trace.json> <out.c>');
  process.exit(2);
}
const catalog = new Map(JSON.parse(readFileSync(catalogPath, 'utf8')).map((e) => [e.name, e]));
const trace = JSON.parse(readFileSync(tracePath, 'utf8'));

const problems = [];
const rows = [];
for (const [name, kinds] of Object.entries(trace)) {
  const entry = catalog.get(name);
  if (entry === undefined) { problems.push(`${name}: not in the catalog`); continue; }
  if (!Array.isArray(kinds) || kinds.length !== (entry.args ?? []).length) {
    problems.push(`${name}: ${(entry.args ?? []).length} arguments in the catalog, ${Array.isArray(kinds) ? kinds.length : 'no list of'} kinds`);
    continue;
  }
  const cells = [];
  kinds.forEach((kind, i) => {
    if (!isKnownKind(kind)) return problems.push(`${name}: unknown kind "${kind}" (syscall-shim/trace-kinds.mjs)`);
    const rule = memoryRule(kind);
    if (rule === undefined) return undefined;
    if (rule.k >= kinds.length) return problems.push(`${name}: "${kind}" names argument ${rule.k}, which it does not have`);
    cells.push(`[${i}] = { TC_${rule.when.toUpperCase()}, TC_${rule.how.toUpperCase()}, ${rule.k}, ${rule.size} }`);
    return undefined;
  });
  if (cells.length > 0) rows.push(`\t[${entry.nr}] = { ${cells.join(', ')} }, /* ${name} */`);
}
if (problems.length > 0) {
  for (const p of problems) console.error(`${tracePath}: ${p}`);
  process.exit(1);
}
writeFileSync(outPath, `/* Generated from syscall-shim/trace.json by syscall-shim/gen-trace.mjs: do not edit. */
#include "trace.h"

const struct trace_capture trace_captures[SYSCALL_COUNT][6] = {
${rows.join('\n')}
};
`);
