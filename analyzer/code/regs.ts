// General-purpose registers as indices 0..15 (the hardware encoding order); gpr-of.ts maps iced-x86's
// registers to them (this file loads no decoder: the link step names registers too).

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
