// Recognizing an ukify image: a PT_LOAD whose file bytes start with the bundle magic.
import { PT_LOAD, readElf } from '../analyzer/elf/index.js';
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
  let elf;
  try {
    elf = readElf(bytes);
  } catch {
    return undefined;
  }
  const loads = elf.programHeaders.filter((p) => p.type === PT_LOAD);
  const bundle = loads.find((p) => p.filesz >= 8n && hasBundleMagic(bytes, Number(p.offset)));
  if (bundle === undefined) return undefined;
  const loadEnd = loads.reduce((end, p) => (p.paddr + p.memsz > end ? p.paddr + p.memsz : end), 0n);
  return { bundlePaddr: bundle.paddr, loadEnd };
}
