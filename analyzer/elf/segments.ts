// Program headers and PT_INTERP.
import { PHDR_SIZE, PT_INTERP } from './constants.js';
import type { ByteReader } from './reader.js';
import type { ElfHeader, ProgramHeader } from './types.js';

export function parseProgramHeaders(r: ByteReader, h: ElfHeader, count: number): ProgramHeader[] {
  if (count === 0) return [];
  const base = r.range(h.phoff, BigInt(count) * BigInt(PHDR_SIZE), 'program header table');
  const headers: ProgramHeader[] = [];
  for (let index = 0; index < count; index++) {
    const at = base + index * PHDR_SIZE;
    const ph: ProgramHeader = {
      index,
      type: r.u32(at),
      flags: r.u32(at + 4),
      offset: r.u64(at + 8),
      vaddr: r.u64(at + 16),
      paddr: r.u64(at + 24),
      filesz: r.u64(at + 32),
      memsz: r.u64(at + 40),
      align: r.u64(at + 48),
    };
    r.range(ph.offset, ph.filesz, `segment ${index}`);
    headers.push(ph);
  }
  return headers;
}

export function parseInterpreter(r: ByteReader, headers: ProgramHeader[]): string | undefined {
  const ph = headers.find((p) => p.type === PT_INTERP);
  if (ph === undefined) return undefined;
  const seg = r.sub(ph.offset, ph.filesz, 'PT_INTERP');
  return seg.cstring(0, 'PT_INTERP');
}
