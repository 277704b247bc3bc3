// Recognizing an ukify image: a PT_LOAD whose file bytes start with the bundle magic.
// Only the ELF header and program headers are read: `ukify run IMAGE` checks every image it boots,
// and parsing the kernel's symbols and sections (readElf) would cost more than the check.
import { PT_LOAD } from '../analyzer/elf/constants.js';
import { parseHeader, tableCounts } from '../analyzer/elf/header.js';
import { ByteReader } from '../analyzer/elf/reader.js';
import { parseProgramHeaders } from '../analyzer/elf/segments.js';
import type { ProgramHeader } from '../analyzer/elf/types.js';
import { hasBundleMagic } from './bundle.js';

export interface ImageInfo {
  /** Physical address of the bundle segment. */
  bundlePaddr: bigint;
  /** End of the highest PT_LOAD in guest-physical memory. */
  loadEnd: bigint;
}

export function hasElfMagic(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Information about an image, or undefined when the bytes are not an ukify image (ELF or not). */
export function inspectImage(bytes: Uint8Array): ImageInfo | undefined {
  if (!hasElfMagic(bytes)) return undefined;
  let programHeaders: ProgramHeader[];
  try {
    const r = new ByteReader(bytes, undefined);
    const header = parseHeader(r);
    programHeaders = parseProgramHeaders(r, header, tableCounts(r, header).phnum);
  } catch {
    return undefined;
  }
  const loads = programHeaders.filter((p) => p.type === PT_LOAD);
  const bundle = loads.find((p) => p.filesz >= 8n && hasBundleMagic(bytes, Number(p.offset)));
  if (bundle === undefined) return undefined;
  const loadEnd = loads.reduce((end, p) => (p.paddr + p.memsz > end ? p.paddr + p.memsz : end), 0n);
  return { bundlePaddr: bundle.paddr, loadEnd };
}
