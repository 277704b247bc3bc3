// General-purpose registers as indices 0..15 (the hardware encoding order) and the mapping from
// iced-x86's Register enum, which names every width of each register separately.
import { Register } from 'iced-x86';

export type Gpr = number;
export const RAX: Gpr = 0;
export const RCX: Gpr = 1;
export const RDX: Gpr = 2;
export const RSP: Gpr = 4;
export const RSI: Gpr = 6;
export const RDI: Gpr = 7;
export const R11: Gpr = 11;

export const gprNames = ['rax', 'rcx', 'rdx', 'rbx', 'rsp', 'rbp', 'rsi', 'rdi', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'];

/** Registers a call may change under the SysV ABI (Go's ABIInternal clobbers these too). */
export const callerSaved: readonly Gpr[] = [0, 1, 2, 6, 7, 8, 9, 10, 11];

export interface GprRef {
  gpr: Gpr;
  bits: 8 | 16 | 32 | 64;
  /** AH, CH, DH, BH: bits 8..15. */
  high8: boolean;
}

/** The general-purpose register behind an iced Register, or undefined for any other register. */
export function gprOf(reg: Register): GprRef | undefined {
  if (reg >= Register.AL && reg <= Register.R15L) {
    const i = reg - Register.AL;
    if (i < 4) return { gpr: i, bits: 8, high8: false };
    if (i < 8) return { gpr: i - 4, bits: 8, high8: true };
    return { gpr: i - 4, bits: 8, high8: false };
  }
  if (reg >= Register.AX && reg <= Register.R15W) return { gpr: reg - Register.AX, bits: 16, high8: false };
  if (reg >= Register.EAX && reg <= Register.R15D) return { gpr: reg - Register.EAX, bits: 32, high8: false };
  if (reg >= Register.RAX && reg <= Register.R15) return { gpr: reg - Register.RAX, bits: 64, high8: false };
  return undefined;
}
