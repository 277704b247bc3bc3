// The mapping from iced-x86's Register enum, which names every width of each register separately, to
// the general-purpose registers of regs.ts.
import { Register } from 'iced-x86';
import type { Gpr } from './regs.js';

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
