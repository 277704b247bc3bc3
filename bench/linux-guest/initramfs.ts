// The guest's initramfs: our /init (init.c, compiled static at bench time), the program as /prog and
// its arguments NUL-separated in /args. The kernel's built-in initramfs already provides /dev/console.
// A dynamic program also gets its PT_INTERP loader and its libraries, placed as ukify's packager
// places them (host paths, fallback links), and host directory trees (a stdlib) and single host
// files (busybox as /bin/sh) can be added.
// A networked guest also gets /net (init's cue to bring the network up), the kernel modules as
// /modules/0.ko, 1.ko, ... in load order, and the /etc files an ukify image gets (passwd, hosts, ...).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { analyzeFiles } from '../../analyzer/analyze.js';
import { cpioArchive, type CpioEntry } from '../../packager/cpio.js';
import { etcFiles } from '../../packager/etc-files.js';
import { collectFiles } from '../../packager/extra-files.js';
import { cpioName, InitrdTree } from '../../packager/initrd-tree.js';
import { libraryEntries } from '../../packager/libraries.js';
import { repoRoot } from '../../fixtures/index.js';
import { LinuxGuestError } from './error.js';

// The C source stays in bench/linux-guest/ of the tree, also when this runs compiled from dist/.
const initSource = join(repoRoot, 'bench', 'linux-guest', 'init.c');
const outDir = join(repoRoot, 'build', 'linux-guest');

/** Compiles init.c into build/linux-guest/init unless that is newer than the source; returns its path. */
export function buildInit(): string {
  const binary = join(outDir, 'init');
  const fresh = (() => {
    try {
      return statSync(binary).mtimeMs >= statSync(initSource).mtimeMs;
    } catch {
      return false;
    }
  })();
  if (!fresh) {
    mkdirSync(outDir, { recursive: true });
    const tmp = `${binary}.${process.pid}.tmp`;
    execFileSync('gcc', ['-O2', '-static', '-std=gnu11', '-Wall', '-Wextra', '-Werror', '-o', tmp, initSource], { stdio: ['ignore', 'ignore', 'inherit'] });
    renameSync(tmp, binary);
  }
  return binary;
}

/** The /args file: every argument followed by a NUL. */
export function argsFile(args: readonly string[]): Uint8Array {
  if (args.some((a) => a.includes('\0'))) throw new LinuxGuestError('a program argument cannot contain a NUL byte');
  return new TextEncoder().encode(args.map((a) => `${a}\0`).join(''));
}

function readProgram(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new LinuxGuestError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'} (build it first: make -C fixtures)`);
  }
}

/** A host directory tree and where it goes in the guest (both absolute). */
export interface GuestDir {
  host: string;
  guest: string;
}

/** A host file and where it goes in the guest (both absolute). */
export interface GuestFile {
  file: string;
  guest: string;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] ?? 'error' : String(error);
}

/** A guest with a network device: the kernel modules it needs, in load order (from prepareLinuxGuest). */
export interface GuestNetwork {
  modules: readonly string[];
}

function networkEntries(network: GuestNetwork): CpioEntry[] {
  return [
    { name: 'net', mode: 0o100644, data: new Uint8Array(0) },
    { name: 'modules', mode: 0o040755 },
    // ukify's kernel always makes /tmp (kernel/fs/init.c); servers put pid and temp files there.
    { name: 'tmp', mode: 0o041777 },
    ...network.modules.map((path, i) => ({ name: `modules/${i}.ko`, mode: 0o100644, data: readFileSync(path) })),
  ];
}

/**
 * The loader and libraries of a dynamic program (none for a static one), the extra directory trees
 * and files and, with a network, its entries and the /etc files the extras do not bring, parent
 * directories included, sorted so that a directory comes before what it holds.
 */
export function supportEntries(program: string, extras: readonly (GuestDir | GuestFile)[], network?: GuestNetwork): CpioEntry[] {
  const tree = new InitrdTree();
  try {
    const files = analyzeFiles(program);
    for (const entry of libraryEntries(files.interpreter, files.libraries)) tree.add(entry, `the libraries of ${program}`);
    const extraFiles = extras.flatMap((e) => ('file' in e ? [{ host: e.file, guest: e.guest, source: `the file ${e.file}` }] : []));
    const dirs = extras.flatMap((e) => ('host' in e ? [{ ...e, source: `the directory ${e.host}` }] : []));
    const collected = collectFiles(extraFiles, dirs);
    for (const file of collected.entries) tree.add(file.entry, file.source);
    if (network !== undefined) {
      for (const entry of networkEntries(network)) tree.add(entry, 'the network set-up');
      for (const file of etcFiles()) {
        const name = cpioName(file.path);
        if (tree.canAdd(name)) tree.add({ name, mode: 0o100644, data: new TextEncoder().encode(file.text) }, 'the generated /etc files');
      }
    }
    return tree.entries();
  } catch (error) {
    throw new LinuxGuestError(`cannot gather what ${program} needs: ${reason(error)}`);
  }
}

/**
 * Writes a cpio newc initrd that runs `program` with `args` and powers off; a dynamic program's
 * loader and libraries come along, each of `extras` (directory trees, files) is copied in and, with
 * `network`, init brings up lo and eth0 (10.0.2.15/24, default route via 10.0.2.2) before it starts
 * the program.
 */
export function makeInitramfs(program: string, args: readonly string[], outPath: string, extras: readonly (GuestDir | GuestFile)[] = [], network?: GuestNetwork): void {
  const bytes = readProgram(program);
  const archive = cpioArchive([
    { name: 'init', mode: 0o100755, data: readFileSync(buildInit()) },
    { name: 'prog', mode: 0o100755, data: bytes },
    { name: 'args', mode: 0o100644, data: argsFile(args) },
    ...supportEntries(program, extras, network),
  ]);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, archive);
}
