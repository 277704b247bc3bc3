/* CPU set-up: descriptor tables, FPU/SSE/AVX state, features, per-CPU data. */
#pragma once
#include "api/process.h"
#include "types.h"

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10

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
