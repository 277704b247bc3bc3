#!/usr/bin/env node
// Generates build/kernel/gen/trace_captures.c from syscall-shim/trace.json: per syscall and
// argument, what of its user memory the kernel copies into `--strace` records. Every name must be
// the catalog's, with one kind per argument the catalog declares.
// The kinds (syscall-shim/trace-kinds.json, read by the runner's decoder too): "plain" ones are
// shown from the register alone; a "memory" one says what of the user memory the kernel copies and
// when (at the syscall's entry, or at its return when it succeeded): kernel/include/trace.h's rules,
// `size` being the most bytes kept or an element's size. A kind is a name, with `:K` (an argument
// index) for those whose length another argument gives.
// Usage: node gen-trace.mjs <catalog.json> <trace.json> <trace-kinds.json> <out.c>
import { readFileSync, writeFileSync } from 'node:fs';

const [catalogPath, tracePath, kindsPath, outPath] = process.argv.slice(2);
if (!catalogPath || !tracePath || !kindsPath || !outPath) {
  console.error('usage: gen-trace.mjs <catalog.json> <trace.json> <trace-kinds.json> <out.c>');
  process.exit(2);
}
const catalog = new Map(JSON.parse(readFileSync(catalogPath, 'utf8')).map((e) => [e.name, e]));
const trace = JSON.parse(readFileSync(tracePath, 'utf8'));
const kinds = JSON.parse(readFileSync(kindsPath, 'utf8'));

/** A kind's name and its argument index (undefined without one). */
function splitKind(kind) {
  const m = /^([a-z_0-9]+)(?::(\d))?$/.exec(kind);
  return m === null ? undefined : { name: m[1], k: m[2] === undefined ? undefined : Number(m[2]) };
}

/** The memory rule of a kind (undefined: plain, or unknown). */
function memoryRule(kind) {
  const s = splitKind(kind);
  const rule = s === undefined ? undefined : kinds.memory[s.k === undefined ? s.name : `${s.name}:K`];
  return rule === undefined ? undefined : { ...rule, k: s.k ?? 0 };
}

function isKnownKind(kind) {
  return kinds.plain.includes(kind) || memoryRule(kind) !== undefined;
}

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
    if (!isKnownKind(kind)) return problems.push(`${name}: unknown kind "${kind}" (syscall-shim/trace-kinds.json)`);
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
