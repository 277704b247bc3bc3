#!/usr/bin/env node
// Generates the kernel's syscall glue from catalog.json (the one source of truth), into OUT_DIR:
// - syscalls.h: the typed prototype `long sys_NAME(<args>);` of every entry whose status is not
//   `missing`; every handler file includes it, so the compiler checks each handler against the catalog;
// - dispatch.c: per syscall, a wrapper that narrows the argument registers (struct regs) to the
//   declared types and calls the handler, the table of wrappers and the table of names;
// - stubs.c: the bodies of the stubs the catalog declares with an `errno` (`return -ERRNO;`).
// A handler the catalog names but nobody defines fails the link; one defined twice (by hand and
// generated) too. A malformed entry fails the build with one line per problem.
// Usage: node gen-dispatch.mjs <catalog.json> <errno.h> <out-dir>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [catalogPath, errnoPath, outDir] = process.argv.slice(2);
if (!catalogPath || !errnoPath || !outDir) {
  console.error('usage: gen-dispatch.mjs <catalog.json> <errno.h> <out-dir>');
  process.exit(2);
}

/** The kernel's argument types and how a 64-bit register becomes each (the x86-64 ABI's narrowing). */
const narrow = {
  int: (reg) => `(int)${reg}`, // low 32 bits, signed
  unsigned: (reg) => `(unsigned)${reg}`, // low 32 bits
  long: (reg) => `(long)${reg}`,
  u64: (reg) => reg, // unsigned long, size_t, user pointers
  i64: (reg) => `(i64)${reg}`, // off_t, loff_t
};
/** Argument registers of the syscall instruction, in order. */
const argRegs = ['rdi', 'rsi', 'rdx', 'r10', 'r8', 'r9'];
const statuses = new Set(['full', 'partial', 'fake', 'stub', 'missing']);
const fields = new Set(['nr', 'name', 'status', 'args', 'errno', 'handwritten', 'note']);
const cKeywords = new Set(
  ('auto break case char const continue default do double else enum extern float for goto if inline int long ' +
    'register restrict return short signed sizeof static struct switch typedef union unsigned void volatile while ' +
    'u64 i64 bool').split(' '),
);

const header = '/* Generated from syscall-shim/catalog.json by syscall-shim/gen-dispatch.mjs: do not edit. */';

/** Errno names that kernel/api/errno.h defines. */
function errnoNames(text) {
  return new Set([...text.matchAll(/^#define\s+(E[A-Z0-9]+)\s/gm)].map((m) => m[1]));
}

/** The problems of one entry, as sentences (empty: well-formed). */
function problems(e, errnos) {
  const out = [];
  if (typeof e !== 'object' || e === null || Array.isArray(e)) return ['not an object'];
  for (const k of Object.keys(e)) if (!fields.has(k)) out.push(`unknown field "${k}" (fields: ${[...fields].join(', ')})`);
  if (!Number.isInteger(e.nr) || e.nr < 0 || e.nr >= 512) out.push('"nr" must be an integer in 0..511');
  if (typeof e.name !== 'string' || !/^[a-z0-9_]+$/.test(e.name)) out.push('"name" must be [a-z0-9_]+');
  if (!statuses.has(e.status)) out.push(`"status" must be one of ${[...statuses].join(', ')}`);
  if (typeof e.note !== 'string') out.push('"note" must be a string');
  if (e.args === undefined) {
    if (e.status !== 'missing') out.push(`"args" is required for status ${e.status} (the Linux prototype's parameters)`);
  } else if (!Array.isArray(e.args)) {
    out.push('"args" must be a list of "TYPE NAME" strings');
  } else {
    if (e.args.length > argRegs.length) out.push(`${e.args.length} args: a syscall has at most ${argRegs.length}`);
    const seen = new Set();
    for (const a of e.args) {
      const m = typeof a === 'string' ? /^(\S+) ([A-Za-z_][A-Za-z0-9_]*)$/.exec(a) : null;
      if (!m) out.push(`arg ${JSON.stringify(a)} is not "TYPE NAME"`);
      else if (!(m[1] in narrow)) out.push(`unknown type "${m[1]}" in "${a}" (types: ${Object.keys(narrow).join(', ')})`);
      else if (cKeywords.has(m[2])) out.push(`arg name "${m[2]}" is a C keyword or type`);
      else if (seen.has(m[2])) out.push(`arg name "${m[2]}" is used twice`);
      if (m) seen.add(m[2]);
    }
  }
  if (e.errno !== undefined) {
    if (e.status !== 'stub') out.push('"errno" is only for stubs (a generated body returning -errno)');
    else if (typeof e.errno !== 'string' || !errnos.has(e.errno))
      out.push(`errno ${JSON.stringify(e.errno)} is not defined in kernel/api/errno.h`);
  }
  if (e.handwritten !== undefined) {
    if (e.handwritten !== true) out.push('"handwritten" is true or absent');
    else if (e.status !== 'stub') out.push('"handwritten" is only for stubs (every other handler is hand-written)');
  }
  if (e.status === 'stub' && (e.errno === undefined) === (e.handwritten === undefined))
    out.push('a stub has either "errno" (its body is generated) or "handwritten": true (its body is in syscall-shim/)');
  return out;
}

/** `TYPE NAME` pairs of an entry's args. */
const params = (e) => e.args.map((a) => a.split(' '));
const prototype = (e) => `long sys_${e.name}(${e.args.length ? e.args.join(', ') : 'void'})`;

function generate(entries) {
  const handled = entries.filter((e) => e.status !== 'missing');
  const stubs = handled.filter((e) => e.errno !== undefined);
  const syscallsH = [
    header,
    '/* The typed prototypes of the syscall handlers (catalog "args"): every file of syscall-shim/ that',
    ' * defines handlers includes this header, so the compiler checks each handler against the catalog. */',
    '#pragma once',
    '#include "types.h"',
    '',
    ...handled.map((e) => `${prototype(e)};`),
    '',
  ];
  const dispatchC = [
    header,
    '/* Per syscall, a wrapper narrowing the argument registers to the declared types; the table of',
    ' * wrappers syscall_dispatch() calls, and the names of every syscall (for the kernel log). */',
    '#include "syscall.h"',
    '#include "process.h"',
    '#include "syscalls.h"',
    '',
    ...handled.map((e) => {
      const call = params(e).map(([type], i) => narrow[type](`r->${argRegs[i]}`));
      const unused = e.args.length ? '' : '(void)r; ';
      return `static long w_${e.name}(const struct regs *r) { ${unused}return sys_${e.name}(${call.join(', ')}); }`;
    }),
    '',
    'const syscall_fn syscall_table[SYSCALL_COUNT] = {',
    ...handled.map((e) => `\t[${e.nr}] = w_${e.name},`),
    '};',
    '',
    'const char *const syscall_names[SYSCALL_COUNT] = {',
    ...entries.map((e) => `\t[${e.nr}] = "${e.name}",`),
    '};',
    '',
  ];
  const stubsC = [
    header,
    '/* The stubs the catalog declares with an "errno": each returns that error, whatever its arguments. */',
    '#include "errno.h"',
    '#include "syscalls.h"',
    '',
    ...stubs.map((e) => {
      const unused = params(e).map(([, name]) => `(void)${name}; `).join('');
      return `${prototype(e)} { ${unused}return -${e.errno}; }`;
    }),
    '',
  ];
  return { 'syscalls.h': syscallsH, 'dispatch.c': dispatchC, 'stubs.c': stubsC };
}

let entries;
try {
  entries = JSON.parse(readFileSync(catalogPath, 'utf8'));
} catch (err) {
  console.error(`gen-dispatch: ${catalogPath}: ${err.message}`);
  process.exit(1);
}
const errnos = errnoNames(readFileSync(errnoPath, 'utf8'));
const errors = [];
if (!Array.isArray(entries)) errors.push('the catalog is not a list of entries');
else {
  entries.forEach((e, i) => {
    const label = `${typeof e?.name === 'string' ? e.name : `entry ${i}`}${Number.isInteger(e?.nr) ? ` (${e.nr})` : ''}`;
    for (const p of problems(e, errnos)) errors.push(`${label}: ${p}`);
  });
  for (const key of ['nr', 'name']) {
    const seen = new Set();
    for (const e of entries) {
      if (seen.has(e?.[key])) errors.push(`${key} ${e[key]} appears twice`);
      seen.add(e?.[key]);
    }
  }
}
if (errors.length) {
  for (const e of errors) console.error(`gen-dispatch: ${catalogPath}: ${e}`);
  process.exit(1);
}
mkdirSync(outDir, { recursive: true });
for (const [file, lines] of Object.entries(generate(entries))) writeFileSync(join(outDir, file), lines.join('\n'));
