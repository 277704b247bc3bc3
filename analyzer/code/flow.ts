// How an instruction passes control on, as the decoder classifies it (no decoder needed to read it).
export const Flow = {
  Next: 0,
  Jump: 1,
  CondJump: 2,
  IndirectJump: 3,
  Return: 4,
  Call: 5,
  IndirectCall: 6,
  Syscall: 7,
  /** int 0x80 or sysenter: the 32-bit syscall ABI. */
  Abi32: 8,
  /** ud2, int3, hlt and other instructions after which execution does not continue. */
  Stop: 9,
  Invalid: 10,
} as const;
export type Flow = (typeof Flow)[keyof typeof Flow];

/** Flows after which the next instruction is not executed. */
export function endsRun(flow: Flow): boolean {
  return flow === Flow.Jump || flow === Flow.IndirectJump || flow === Flow.Return || flow === Flow.Stop || flow === Flow.Invalid;
}
