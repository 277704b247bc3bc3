/* The identity page and the vDSO's fast entries (issue 14): what getpid, getppid, gettid, getuid,
 * geteuid, getgid and getegid return, answered in ring 3 without entering the kernel. Shared by the
 * kernel (kernel/vdso.c writes the page) and the vDSO (vdso/fast.S reads it); C and assembly.
 *
 * The page: one per address space (struct mm), mapped read-only at VDSO_IDS = VDSO_BASE - 0x2000,
 * the first page of [vvar] (the clocks' page, vvar.h, is the second). The kernel rewrites it on the
 * way back to user mode whenever something changed these answers (kernel/vdso.c says when). For
 * call k (the order below) it holds, as 32-bit words:
 *   valid[k] at VDSO_IDS_VALID + 4*k: nonzero when value[k] is the syscall's answer right now
 *   value[k] at VDSO_IDS_VALUE + 4*k: the answer (every one fits in 32 bits and is not negative)
 * Invalid means "ask the kernel": the address space is shared by two processes (vfork, CLONE_VM),
 * gettid with more than one thread, a call the allowlist refuses, a traced run (strace). The kernel
 * leaves value[k] as it was when it clears valid[k]: a thread interrupted between reading one and
 * the other still returns what was its answer when it read valid[k] (every value ever written for
 * an address space is its one process's answer at that time).
 *
 * The fast entries: at VDSO_BASE + VDSO_FAST_ENTRIES + 16*k (vdso.lds places and checks them), each
 * a drop-in replacement for a `syscall` instruction whose rax holds call k's number. Entered by a
 * jump with rcx = the address to return to (rax: the number, ignored); returns by a jump there with
 * rax = the syscall's result; every other register but rcx and r11, and the flags, are preserved;
 * nothing is written in the 128 bytes below rsp (the red zone). These addresses are a contract with
 * the build-time rewriter (rewriter/): they never move. */
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

#define VDSO_FAST_ENTRIES 0x1000 /* offset of the first entry in the vDSO */
#define VDSO_FAST_ENTRY_SIZE 16

#ifndef __ASSEMBLER__
#include <stdint.h>

struct vdso_ids {
	uint32_t valid[8];
	uint32_t value[8];
};

_Static_assert(__builtin_offsetof(struct vdso_ids, valid) == VDSO_IDS_VALID, "vdso_ids.valid");
_Static_assert(__builtin_offsetof(struct vdso_ids, value) == VDSO_IDS_VALUE, "vdso_ids.value");
#endif
