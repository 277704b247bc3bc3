/* The syscall dispatcher and the generated table (build/kernel/gen/dispatch.c): one wrapper per
 * syscall, which narrows the argument registers to the catalog's types and calls the handler. */
#pragma once
#include "cpu.h"
#include "types.h"

#define SYSCALL_COUNT 512
typedef long (*syscall_fn)(const struct regs *r);
extern const syscall_fn syscall_table[SYSCALL_COUNT];
extern const char *const syscall_names[SYSCALL_COUNT];
extern struct regs *current_regs; /* the frame of the syscall being handled */

/* True when the return must go through iretq: sysret cannot restore rcx and r11 (rt_sigreturn,
 * a signal handler's entry). */
bool syscall_dispatch(struct regs *r);
