// The kind of ELF file, as reports name it.
import type { BinaryKind } from './analysis.js';
import type { ElfFile } from './elf/index.js';

const ET_EXEC = 2;
const DF_1_PIE = 0x08000000n;

export function binaryKind(elf: ElfFile): BinaryKind {
  const interp = elf.interpreter !== undefined;
  if (elf.header.type === ET_EXEC) return interp ? 'dynamic' : 'static';
  if (interp) return 'dynamic-pie';
  return ((elf.dynamic?.flags1 ?? 0n) & DF_1_PIE) !== 0n ? 'static-pie' : 'shared-library';
}
