// What the kernel's vDSO answers in user space for a rewritten site (kernel/vdso/, kernel/IMAGE.md):
// each call has an entry at a fixed address, entered by a jump with rcx = where to return, as a
// `syscall` instruction leaves it; it returns what the syscall would, from a read-only per-process
// page, and preserves every register but rax, rcx and r11, and the flags.

/** The vDSO's fixed address in every process (kernel/include/vdso.h: VDSO_BASE). */
const vdsoBase = 0x7ffffe800000n;
/** Entries start one page into the vDSO, 16 bytes each, in this order. */
const fastEntryBase = vdsoBase + 0x1000n;
const fastCalls = [39, 110, 186, 102, 107, 104, 108]; // getpid getppid gettid getuid geteuid getgid getegid

/** The entry address answering syscall `nr` without entering the kernel, or undefined. */
export function fastEntry(nr: number): bigint | undefined {
  const k = fastCalls.indexOf(nr);
  return k < 0 ? undefined : fastEntryBase + BigInt(16 * k);
}
