// Inputs shared by the ELF tests: the fixture binaries (built by the global setup, or built here
// when fixtures/ has no output yet), a few programs of our own with features the fixtures lack,
// and the real Debian binaries.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(import.meta.dirname, '..');
export const elfTestDir = join(root, 'build', 'elf-test');
const fixturesDir = join(root, 'build', 'fixtures');

export const realBinaries: string[] = [
  '/usr/sbin/nginx',
  '/bin/busybox',
  realpathSync('/usr/bin/python3'),
  '/lib/x86_64-linux-gnu/libc.so.6',
  '/lib/x86_64-linux-gnu/libcrypto.so.3',
];

const helloC = `#include <stdio.h>
__thread int counter = 3;
int main(int argc, char **argv) { printf("hello %d %d %s\\n", argc, counter, argv[0] != 0 ? "ok" : "no"); return 0; }
`;

// Two versions of one symbol: foo@VER_1 (hidden, old) and foo@@VER_2 (default), plus RUNPATH.
const libC = `int foo_v1(void) { return 1; }
int foo_v2(void) { return 2; }
__asm__(".symver foo_v1, foo@VER_1");
__asm__(".symver foo_v2, foo@@VER_2");
int bar(void) { return 3; }
`;
const libMap = 'VER_1 { global: foo; bar; local: *; };\nVER_2 { global: foo; } VER_1;\n';

function cc(args: string[]): void {
  execFileSync(args[0] as string, args.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Our own small programs (built once per run into build/elf-test); returns their paths. */
export function buildOwnPrograms(): string[] {
  mkdirSync(elfTestDir, { recursive: true });
  const src = join(elfTestDir, 'hello.c');
  writeFileSync(src, helloC);
  writeFileSync(join(elfTestDir, 'libv.c'), libC);
  writeFileSync(join(elfTestDir, 'libv.map'), libMap);
  const out = (name: string): string => join(elfTestDir, name);
  const builds: [string, string[]][] = [
    ['hello.glibc-static', ['gcc', '-O1', '-static', '-o', out('hello.glibc-static'), src]],
    ['hello.glibc-static-pie', ['gcc', '-O1', '-static-pie', '-o', out('hello.glibc-static-pie'), src]],
    ['hello.glibc-dynamic', ['gcc', '-O1', '-o', out('hello.glibc-dynamic'), src]],
    ['hello.musl-static', ['musl-gcc', '-O1', '-static', '-o', out('hello.musl-static'), src]],
    ['hello.o', ['gcc', '-O1', '-c', '-o', out('hello.o'), src]],
    ['libv.so', ['gcc', '-O1', '-shared', '-fPIC', '-Wl,-soname,libv.so.1', `-Wl,--version-script=${out('libv.map')}`, '-o', out('libv.so'), out('libv.c')]],
    ['hello.runpath', ['gcc', '-O1', '-Wl,--enable-new-dtags,-rpath,/opt/ukify-test/lib', '-o', out('hello.runpath'), src, out('libv.so')]],
    ['hello.rpath', ['gcc', '-O1', '-Wl,--disable-new-dtags,-rpath,/opt/ukify-test/lib', '-Wl,-z,norelro', '-o', out('hello.rpath'), src]],
  ];
  for (const [, args] of builds) cc(args);
  return builds.map(([name]) => out(name));
}

/** Every fixture binary built by fixtures/Makefile (none when it has not run). */
export function fixtureBinaries(): string[] {
  if (!existsSync(fixturesDir)) return [];
  return readdirSync(fixturesDir)
    .filter((f) => /^[\w-]+\.(glibc|musl)-[\w-]+$/.test(f))
    .map((f) => join(fixturesDir, f))
    .filter((p) => !isLink(p));
}

function isLink(p: string): boolean {
  try {
    readlinkSync(p);
    return true;
  } catch {
    return false;
  }
}

export function readelf(args: string[], file: string): string {
  return execFileSync('readelf', ['-W', ...args, file], { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'] });
}
