// `ukify run --gdb[=PORT] [--gdb-script FILE]`: before QEMU starts, the port is checked, the image's
// ELF files are written into a folder next to the script (FILE.files/), and the script itself
// (script.ts). QEMU then gets `-gdb tcp:127.0.0.1:PORT -S` (it waits for gdb before the kernel's
// first instruction) and the kernel `gdb` (it reports each ELF file it maps: kernel/gdb.c).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PT_LOAD } from '../../analyzer/elf/constants.js';
import { parseHeader, tableCounts } from '../../analyzer/elf/header.js';
import { ByteReader } from '../../analyzer/elf/reader.js';
import { parseProgramHeaders } from '../../analyzer/elf/segments.js';
import { kernelPath } from '../../packager/paths.js';
import { imageFiles } from '../../packager/image-files.js';
import { writeElfFiles } from './image-files.js';
import { gdbScript } from './script.js';

export const DEFAULT_GDB_PORT = 1234;
const PF_X = 1;

export class GdbError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

/** --gdb's value: true (the flag alone) is the default port. */
export function parseGdbPort(value: true | string): number {
  if (value === true) return DEFAULT_GDB_PORT;
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new GdbError(`--gdb=${value}: not a TCP port (1-65535)`);
  return port;
}

/** Fails when 127.0.0.1:port cannot be listened on (QEMU would, with a message about its -gdb option). */
export function checkGdbPort(port: number): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'is in use' : e.code === 'EACCES' ? 'needs privileges' : `cannot be used (${e.code ?? e.message})`;
      reject(new GdbError(`--gdb: port ${port} on 127.0.0.1 ${why}: pick another with --gdb=PORT`));
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolvePort()));
  });
}

/** The bytes of an ELF file's executable PT_LOAD segments. */
function codeSegments(bytes: Uint8Array): Uint8Array[] {
  const r = new ByteReader(bytes, undefined);
  const header = parseHeader(r);
  return parseProgramHeaders(r, header, tableCounts(r, header).phnum)
    .filter((p) => p.type === PT_LOAD && (p.flags & PF_X) !== 0)
    .map((p) => bytes.subarray(Number(p.offset), Number(p.offset + p.filesz)));
}

/** The kernel with symbols next to the kernel images are built with (ukify-kernel.debug beside ukify-kernel.elf). */
export function kernelSymbolsPath(): string {
  const elf = kernelPath();
  return elf.endsWith('.elf') ? `${elf.slice(0, -'.elf'.length)}.debug` : join(dirname(elf), 'ukify-kernel.debug');
}

/** Checks that the image's kernel is the one whose symbols gdb will load (same code). */
export function checkKernelSymbols(image: Uint8Array, symbols: string): void {
  let debug: Uint8Array;
  try {
    debug = readFileSync(symbols);
  } catch (error) {
    throw new GdbError(`--gdb: cannot read the kernel's symbols ${symbols} (${(error as NodeJS.ErrnoException).code ?? String(error)}): build the kernel (make -C kernel)`);
  }
  const a = codeSegments(image), b = codeSegments(debug);
  const same = a.length === b.length && a.every((s, i) => Buffer.from(s).equals(Buffer.from(b[i] as Uint8Array)));
  if (!same) throw new GdbError(`--gdb: the image's kernel is not ${symbols} (built before or after it): build the image again (ukify build) with this kernel`);
}

export interface GdbSession {
  port: number;
  script: string;
  /** Removes what was written when the script's place was ours to choose (none with --gdb-script). */
  cleanup: () => void;
}

/** Writes the folder of ELF files and the script; fails with one line when they cannot be written. */
export async function prepareGdb(o: { image: string; bytes: Uint8Array; port: number; script?: string }): Promise<GdbSession> {
  await checkGdbPort(o.port);
  const symbols = kernelSymbolsPath();
  checkKernelSymbols(o.bytes, symbols);
  const temp = o.script === undefined ? mkdtempSync(join(tmpdir(), 'ukify-gdb-')) : undefined;
  const script = o.script === undefined ? join(temp as string, 'script.gdb') : resolve(o.script);
  const root = `${script}.files`;
  try {
    writeFileSync(script, gdbScript({ port: o.port, kernelSymbols: resolve(symbols), root, image: resolve(o.image) }));
  } catch (error) {
    throw new GdbError(`--gdb-script ${o.script ?? script}: cannot write it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    writeElfFiles(imageFiles(o.bytes), root);
  } catch (error) {
    throw new GdbError(`--gdb: cannot write the image's files into ${root} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  return { port: o.port, script, cleanup: () => temp !== undefined && rmSync(temp, { recursive: true, force: true }) };
}
