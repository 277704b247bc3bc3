// What of the app goes into the image: the program itself at `/<basename>` (argv[0] is that path)
// and its symbol list at /.ukify/symbols. A dynamic program's loader and libraries are added by
// libraries.ts.
import { basename } from 'node:path';
import type { ElfFile } from '../analyzer/elf/index.js';
import type { CpioEntry } from './cpio.js';
import { symbolLines } from './symbols.js';

const ET_EXEC = 2;
const ET_DYN = 3;

export class AppError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

/** The app's path in the guest: `/` and the name the user gave it (so busybox applet links keep working). */
export function guestPath(hostPath: string): string {
  return `/${basename(hostPath)}`;
}

/** Throws an AppError unless the ELF is a program ukify can boot today. */
export function checkBootable(elf: ElfFile, hostPath: string): void {
  if (elf.header.type !== ET_EXEC && elf.header.type !== ET_DYN) {
    throw new AppError(`${hostPath}: not an executable program (ELF type ${elf.header.type}); give ukify a linked program`);
  }
  if (elf.header.type === ET_DYN && elf.header.entry === 0n) {
    throw new AppError(`${hostPath}: a shared library, not a program`);
  }
}

/** `mtime`: the host file's (seconds); the symbol list is generated and gets the build's time. */
export function appEntries(elf: ElfFile, hostPath: string, mtime?: number): CpioEntry[] {
  const name = guestPath(hostPath).slice(1);
  if (name === '.ukify') throw new AppError(`${hostPath}: the name '.ukify' is reserved inside the image; rename the program`);
  return [
    { name, mode: 0o100755, data: elf.bytes, mtime },
    { name: '.ukify', mode: 0o040755 },
    { name: '.ukify/symbols', mode: 0o100644, data: new TextEncoder().encode(symbolLines(elf)) },
  ];
}
