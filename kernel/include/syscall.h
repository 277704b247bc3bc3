/* The syscall dispatcher and the generated table (build/kernel/dispatch.c). */
#pragma once
#include "cpu.h"
#include "types.h"

#define SYSCALL_COUNT 512
typedef long (*syscall_fn)(long, long, long, long, long, long);
extern const syscall_fn syscall_table[SYSCALL_COUNT];
extern const char *const syscall_names[SYSCALL_COUNT];
extern struct regs *current_regs; /* the frame of the syscall being handled */

/* True when the return must go through iretq: sysret cannot restore rcx and r11 (rt_sigreturn,
 * a signal handler's entry). */
bool syscall_dispatch(struct regs *r);
