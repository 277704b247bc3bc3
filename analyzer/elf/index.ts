// The ELF64 module's public API: read an x86-64 ELF file, map addresses to bytes, and write changes.
export { ElfError } from './error.js';
export { readElf } from './read.js';
export { executableRegions, findSection, readAtVaddr, sectionBytes, vaddrToOffset } from './address.js';
export * from './constants.js';
export type * from './types.js';
export { addLoadSegment, appendLoadSegment, patchAtVaddr, writeElf, type NewSegment } from './write.js';
