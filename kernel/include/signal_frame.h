/* The signal frame on the user stack (Linux's x86-64 rt_sigframe) and the FPU state saved in it. */
#pragma once
#include "cpu.h"
#include "signal.h"
#include "types.h"

struct sigcontext_k {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2;
	u64 fpstate; /* user address of the FXSAVE/XSAVE image, 64-byte aligned; 0: none */
	u64 reserved[8];
};

struct ucontext_k {
	u64 flags;
	u64 link;
	struct stack_k stack;
	struct sigcontext_k mcontext;
	u64 sigmask;
};

/* The handler starts with rsp at pretcode, as if called from the restorer's address. */
struct rt_sigframe_k {
	u64 pretcode;
	struct ucontext_k uc;
	struct siginfo_k info;
};

/* Builds the frame for a handler and points the registers at it; false if the stack is bad. */
bool signal_setup_frame(struct regs *r, const struct siginfo_k *info, const struct sigaction_k *a, u64 oldmask);
/* Builds the frame for the handler of info->signo, then blocks what the action asks for. */
void signal_run_handler(struct regs *r, const struct siginfo_k *info, u64 oldmask);
/* The frame could not be written: the app ends with SIGSEGV, as on Linux. */
NORETURN void signal_frame_failed(struct regs *r, int sig);

/* signal_fpu.c: the app's FPU/SSE/AVX registers (the kernel never uses them itself). */
u64 fpu_frame_size(void);          /* bytes reserved in the frame, before 64-byte alignment */
bool fpu_save_to_user(u64 fp);     /* false if the frame memory is not writable */
bool fpu_restore_from_user(u64 fp);/* fp 0: initial state; false if the image is invalid */
void fpu_reset(void);              /* initial state, as a handler starts with */
