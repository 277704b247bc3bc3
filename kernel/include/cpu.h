/* CPU set-up: descriptor tables, FPU/SSE/AVX state, features, per-CPU data. */
#pragma once
#include "types.h"

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS 0x23
#define USER_CS 0x2b

/* Saved registers: the layout pushed by entry.S for interrupts, exceptions and syscalls. */
struct regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};
#define VECTOR_SYSCALL 0x100

struct percpu {
	u64 kstack_top; /* offset 0: read by syscall_entry */
	u64 user_rsp;   /* offset 8: scratch for syscall_entry */
};

void gdt_init(void);
void idt_init(void);
void fpu_init(void);
void syscall_init(void);
u64 cpu_hwcap(void);
u64 cpu_xsave_size(void);
bool cpu_random(u64 *out); /* RDSEED/RDRAND; false if the CPU has neither */

NORETURN void enter_user(struct regs *r);
void dump_regs(const struct regs *r); /* on the kernel log */
