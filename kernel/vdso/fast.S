/* The vDSO's fast entries for the identity calls (ids.h has the contract): the table of 16-byte
 * slots that vdso.lds puts at VDSO_FAST_ENTRIES, each a jump to its call's body.
 *
 * A body replaces a `syscall` instruction, so it must look exactly like one to the code around it:
 * it tests the call's valid word and jumps with jrcxz, which leaves the flags alone; mov, lea,
 * push and pop do not change them either, and the slow path's syscall returns with them restored.
 * The fast path touches no memory but the identity page. The slow path (the page says "ask the
 * kernel") makes the real syscall from here, its return address kept below the red zone. */
#include "ids.h"

	.hidden vvar_ids /* the identity page, 0x2000 below the vDSO's first byte (vdso.lds) */

	.section .fast, "ax", @progbits

/* CFI: the "return address" of a body is rcx at entry (it was jumped to, not called), and the
 * caller's rsp is rsp at entry. */
.macro BODY name, k, nr
	.type \name, @function
\name:
	.cfi_startproc simple
	.cfi_return_column %rcx
	.cfi_def_cfa %rsp, 0
	.cfi_same_value %rcx
	mov %rcx, %r11
	.cfi_register %rcx, %r11
	mov vvar_ids + VDSO_IDS_VALID + 4 * \k(%rip), %ecx
	jrcxz 1f
	mov vvar_ids + VDSO_IDS_VALUE + 4 * \k(%rip), %eax
	jmp *%r11
1:	lea -128(%rsp), %rsp
	.cfi_adjust_cfa_offset 128
	push %r11
	.cfi_adjust_cfa_offset 8
	.cfi_offset %rcx, -136
	mov $\nr, %eax
	syscall
	pop %rcx
	.cfi_adjust_cfa_offset -8
	.cfi_same_value %rcx
	lea 128(%rsp), %rsp
	.cfi_adjust_cfa_offset -128
	jmp *%rcx
	.cfi_endproc
	.size \name, . - \name
.endm

.macro SLOT name, body
	.balign VDSO_FAST_ENTRY_SIZE, 0xcc
	.globl \name
	.type \name, @function
\name:
	jmp \body
	.size \name, . - \name
.endm

/* Slot k at VDSO_FAST_ENTRIES + 16 * k (vdso.lds checks each one). */
	SLOT __ukify_fast_getpid, getpid_body
	SLOT __ukify_fast_getppid, getppid_body
	SLOT __ukify_fast_gettid, gettid_body
	SLOT __ukify_fast_getuid, getuid_body
	SLOT __ukify_fast_geteuid, geteuid_body
	SLOT __ukify_fast_getgid, getgid_body
	SLOT __ukify_fast_getegid, getegid_body
	.balign VDSO_FAST_ENTRY_SIZE, 0xcc

	BODY getpid_body, VDSO_ID_GETPID, 39
	BODY getppid_body, VDSO_ID_GETPPID, 110
	BODY gettid_body, VDSO_ID_GETTID, 186
	BODY getuid_body, VDSO_ID_GETUID, 102
	BODY geteuid_body, VDSO_ID_GETEUID, 107
	BODY getgid_body, VDSO_ID_GETGID, 104
	BODY getegid_body, VDSO_ID_GETEGID, 108

	.section .note.GNU-stack, "", @progbits
