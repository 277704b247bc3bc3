/* The syscall dispatcher and the generated table (build/kernel/dispatch.c). */
#pragma once
#include "cpu.h"
#include "types.h"

#define SYSCALL_COUNT 512
typedef long (*syscall_fn)(long, long, long, long, long, long);
extern const syscall_fn syscall_table[SYSCALL_COUNT];
extern const char *const syscall_names[SYSCALL_COUNT];
extern struct regs *current_regs; /* the frame of the syscall being handled */

void syscall_dispatch(struct regs *r);
