/* Kernel entry and exit paths: interrupt/exception stubs, the syscall entry, the first entry
 * to user mode. All of them save the registers as a struct regs (include/cpu.h). */

.macro PUSH_REGS
	push %rax
	push %rbx
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %rbp
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
.endm

.macro POP_REGS
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rbp
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rbx
	pop %rax
.endm

#define FRAME_CS (18 * 8)
#define REGS_SIZE (22 * 8) /* sizeof(struct regs) */

	.text
/* 256 stubs of 16 bytes each: idt_init computes isr_stubs + 16 * vector. Vectors where the CPU
 * pushes an error code skip the dummy push. */
	.globl isr_stubs
	.align 16
isr_stubs:
	.set vec, 0
	.rept 256
	.align 16
	.if (vec == 8) || (vec == 10) || (vec == 11) || (vec == 12) || (vec == 13) || (vec == 14) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq $0
	.endif
	pushq $vec
	jmp isr_common
	.set vec, vec + 1
	.endr

isr_common:
	PUSH_REGS
	testb $3, FRAME_CS(%rsp)
	jnz from_user
	mov %rsp, %rdi
	xor %ebp, %ebp
	call trap
	POP_REGS
	add $16, %rsp
	iretq

/* From the app: the frame moves from the IST stack (shared by all threads) to the top of the
 * thread's own kernel stack, where a syscall puts it too: the trap may switch threads. */
from_user:
	swapgs
	cld
	mov %rsp, %rsi
	mov %gs:0, %rdi
	sub $REGS_SIZE, %rdi
	mov %rdi, %rsp
	mov $(REGS_SIZE / 8), %ecx
	rep movsq
	mov %rsp, %rdi
	xor %ebp, %ebp
	call trap
	jmp thread_first_return

/* A new thread starts here (thread_create): its first steps in C, then user mode. */
	.globl thread_start
thread_start:
	xor %ebp, %ebp
	call thread_started
thread_first_return:
	POP_REGS
	add $16, %rsp
	swapgs
	iretq

/* switch_stacks(u64 *save_ksp, u64 new_ksp): saves the callee-saved registers and the stack
 * pointer of the running thread, continues on another thread's kernel stack. A new thread's
 * stack holds six zeros and thread_start. */
	.globl switch_stacks
switch_stacks:
	push %rbp
	push %rbx
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, (%rdi)
	mov %rsi, %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbx
	pop %rbp
	ret

/* syscall: rcx = user rip, r11 = user rflags, IF/DF/TF/AC cleared by SFMASK. */
	.globl syscall_entry
syscall_entry:
	swapgs
	mov %rsp, %gs:8
	mov %gs:0, %rsp
	pushq $0x23
	pushq %gs:8
	push %r11
	pushq $0x2b
	push %rcx
	pushq $0
	pushq $0x100
	PUSH_REGS
	mov %rsp, %rdi
	xor %ebp, %ebp
	call syscall_dispatch
	testb %al, %al
	jnz 3f
	POP_REGS
	add $16, %rsp
	/* sysret with the frame's rip/rflags/rsp (handlers may have changed them) */
	mov 0(%rsp), %rcx
	mov 16(%rsp), %r11
	mov 24(%rsp), %rsp
	swapgs
	sysretq
	/* iretq: every register from the frame (after rt_sigreturn or to enter a signal handler) */
3:	POP_REGS
	add $16, %rsp
	swapgs
	iretq

/* enter_user(struct regs *r): first entry to ring 3 (kernel GS base active). */
	.globl enter_user
enter_user:
	mov %rdi, %rsp
	POP_REGS
	add $16, %rsp
	swapgs
	iretq
