// What a rewritten site can answer in user space (kernel/vdso/ids.h, kernel/IMAGE.md): every process
// maps a read-only identity page at a fixed address, which the kernel keeps current, holding for
// each identity call a 32-bit "valid" word and the call's answer. A zero valid word means: ask the
// kernel (an address space shared after vfork, gettid with several threads, a traced run).

/** The identity page's fixed address in every process: 0x2000 below the vDSO (kernel/include/vdso.h). */
const idsPage = 0x7ffffe800000n - 0x2000n;
const validWords = 0x00n;
const valueWords = 0x20n;
const identityCalls = [39, 110, 186, 102, 107, 104, 108]; // getpid getppid gettid getuid geteuid getgid getegid

/** Where the page holds call `nr`'s valid word and answer, or undefined for a call it does not hold. */
export function identityWords(nr: number): { valid: bigint; value: bigint } | undefined {
  const k = identityCalls.indexOf(nr);
  if (k < 0) return undefined;
  return { valid: idsPage + validWords + BigInt(4 * k), value: idsPage + valueWords + BigInt(4 * k) };
}
