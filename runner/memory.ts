// Guest memory sizes as the user writes them for -m (QEMU's syntax: a number, default unit MiB).

const MiB = 1024 * 1024;
const units: Record<string, number> = { '': MiB, b: 1, k: 1024, m: MiB, g: 1024 * MiB, t: 1024 * 1024 * MiB };

export class MemorySizeError extends Error {
  readonly userFacing = true;
  readonly exitCode = 2;
}

/** Parses "64", "64M", "512k", "1G" into whole MiB (rounded up); throws MemorySizeError on anything else. */
export function parseMemoryMiB(text: string): number {
  const match = /^(\d+)([bkmgt]?)$/i.exec(text.trim());
  if (match === null) {
    throw new MemorySizeError(`bad memory size '${text}': write a number of MiB, or use a K, M or G suffix (e.g. -m 64M)`);
  }
  const bytes = Number(match[1]) * (units[(match[2] ?? '').toLowerCase()] ?? MiB);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new MemorySizeError(`bad memory size '${text}': it must be more than zero and less than 8 PiB`);
  }
  return Math.ceil(bytes / MiB);
}

/**
 * The least memory an image can be booted in: everything QEMU loads must sit inside guest RAM
 * (`loadEnd` is the end of the highest PT_LOAD, physical). What the kernel and the app need beyond
 * that depends on the app; when it runs out, the kernel says so itself.
 */
export function minimumMemoryMiB(loadEnd: bigint): number {
  return Number((loadEnd + BigInt(MiB) - 1n) / BigInt(MiB));
}

/** Room above the image for the kernel's and the program's own memory (node -e takes about 22 MiB). */
export const HEADROOM_MIB = 64;

/**
 * The memory an image boots in without -m: its files are read in place, so what it occupies plus
 * room for the program's heap, stacks, page tables and the kernel's own (a static hello: 67 MiB).
 */
export function defaultMemoryMiB(loadEnd: bigint): number {
  return minimumMemoryMiB(loadEnd) + HEADROOM_MIB;
}
