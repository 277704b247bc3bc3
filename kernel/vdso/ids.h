/* The identity page (issue 14): what getpid, getppid, gettid, getuid, geteuid, getgid and getegid
 * return, for user code to read without entering the kernel. Written by the kernel (kernel/vdso.c);
 * read by the trampolines the build-time rewriter puts in a program (rewriter/trampoline.ts), whose
 * side of this contract is rewriter/identity-page.ts: the address, the offsets and the calls' order
 * below are fixed, and both sides must change together.
 *
 * The page: one per address space (struct mm), mapped read-only at VDSO_IDS = VDSO_BASE - 0x2000 =
 * 0x7ffffe7fe000, the first page of [vvar] (the clocks' page, vvar.h, is the second). The kernel
 * rewrites it on the way back to user mode whenever something changed these answers (kernel/vdso.c
 * says when). For call k (the order below) it holds, as 32-bit words:
 *   valid[k] at VDSO_IDS_VALID + 4*k: nonzero when value[k] is the syscall's answer right now
 *   value[k] at VDSO_IDS_VALUE + 4*k: the answer (every one fits in 32 bits and is not negative)
 * Invalid means "ask the kernel": the address space is shared by two processes (vfork, CLONE_VM),
 * gettid with more than one thread, a call the allowlist refuses, a traced run (strace). The kernel
 * leaves value[k] as it was when it clears valid[k]: a thread interrupted between reading one and
 * the other still returns what was its answer when it read valid[k] (every value ever written for
 * an address space is its one process's answer at that time).
 *
 * A rewritten identity site reads valid[k] and, when it is nonzero, value[k] as rax (zero-extended);
 * otherwise it makes the syscall itself from its trampoline, checked by the allowlist by its number
 * as any other. */
#pragma once

#define VDSO_IDS_CALLS 7
#define VDSO_ID_GETPID 0   /* 39 */
#define VDSO_ID_GETPPID 1  /* 110 */
#define VDSO_ID_GETTID 2   /* 186 */
#define VDSO_ID_GETUID 3   /* 102 */
#define VDSO_ID_GETEUID 4  /* 107 */
#define VDSO_ID_GETGID 5   /* 104 */
#define VDSO_ID_GETEGID 6  /* 108 */

#define VDSO_IDS_VALID 0x00 /* u32 valid[8] */
#define VDSO_IDS_VALUE 0x20 /* u32 value[8] */

#ifndef __ASSEMBLER__
#include <stdint.h>

struct vdso_ids {
	uint32_t valid[8];
	uint32_t value[8];
};

_Static_assert(__builtin_offsetof(struct vdso_ids, valid) == VDSO_IDS_VALID, "vdso_ids.valid");
_Static_assert(__builtin_offsetof(struct vdso_ids, value) == VDSO_IDS_VALUE, "vdso_ids.value");
#endif
