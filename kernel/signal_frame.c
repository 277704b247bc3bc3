/* Signal frames on the app's stack, laid out as Linux x86-64 does (glibc and musl read
 * uc_mcontext, uc_sigmask and the FPU image through the ucontext pointer), rt_sigreturn, and the
 * alternate signal stack. This is the only place the kernel writes to the app's stack after exec. */
#include "signal_frame.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "thread.h"
#include "uaccess.h"

_Static_assert(sizeof(struct siginfo_k) == 128, "siginfo_t is 128 bytes");
_Static_assert(sizeof(struct sigcontext_k) == 256, "struct sigcontext is 256 bytes");
_Static_assert(sizeof(struct ucontext_k) == 304, "the kernel's ucontext is 304 bytes");

#define RED_ZONE 128
#define UC_FP_XSTATE 1
#define UC_SIGCONTEXT_SS 2
#define UC_STRICT_RESTORE_SS 4
#define RFLAGS_TF (1UL << 8)
#define RFLAGS_DF (1UL << 10)
#define RFLAGS_RF (1UL << 16)
/* The flags rt_sigreturn takes from the frame: CF PF AF ZF SF TF DF OF RF AC */
#define RFLAGS_USER 0x50dd5UL
/* Highest handler or return address: sysret/iretq must not see a non-canonical rip */
#define USER_RIP_LIMIT 0x00007ffffffff000UL

static bool on_stack_range(u64 sp)
{
	const struct stack_k *ss = &current->sig.altstack;
	return sp > ss->sp && sp - ss->sp <= ss->size;
}

bool signal_on_altstack(u64 sp)
{
	/* with SS_AUTODISARM the stack is disarmed while in use: never "on" it (as Linux) */
	return !(current->sig.altstack.flags & SS_AUTODISARM) && on_stack_range(sp);
}

static i32 altstack_flags(u64 sp)
{
	if (!current->sig.altstack.size)
		return SS_DISABLE;
	return (signal_on_altstack(sp) ? SS_ONSTACK : 0) | current->sig.altstack.flags;
}

void signal_get_altstack(u64 sp, struct stack_k *out)
{
	*out = current->sig.altstack;
	out->flags = altstack_flags(sp);
}

long signal_set_altstack(u64 sp, const struct stack_k *ss)
{
	if (signal_on_altstack(sp))
		return -EPERM;
	i32 mode = ss->flags & ~SS_AUTODISARM;
	if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		current->sig.altstack = (struct stack_k){ 0 };
		return 0;
	}
	if (ss->size < MINSIGSTKSZ)
		return -ENOMEM;
	current->sig.altstack = (struct stack_k){ .sp = ss->sp, .size = ss->size, .flags = ss->flags & SS_AUTODISARM };
	return 0;
}

static void save_context(const struct regs *r, struct sigcontext_k *sc)
{
	sc->r8 = r->r8, sc->r9 = r->r9, sc->r10 = r->r10, sc->r11 = r->r11;
	sc->r12 = r->r12, sc->r13 = r->r13, sc->r14 = r->r14, sc->r15 = r->r15;
	sc->rdi = r->rdi, sc->rsi = r->rsi, sc->rbp = r->rbp, sc->rbx = r->rbx;
	sc->rdx = r->rdx, sc->rax = r->rax, sc->rcx = r->rcx, sc->rsp = r->rsp;
	sc->rip = r->rip, sc->rflags = r->rflags;
	sc->cs = USER_CS, sc->ss = USER_DS;
	if (r->vector < 32) {
		sc->trapno = r->vector;
		sc->err = r->error;
	}
}

bool signal_setup_frame(struct regs *r, const struct siginfo_k *info, const struct sigaction_k *a, u64 oldmask)
{
	/* x86-64 Linux has no default restorer: without one the app gets SIGSEGV */
	if (!(a->flags & SA_RESTORER) || a->handler >= USER_RIP_LIMIT)
		return false;
	struct sigthread *s = &current->sig;
	bool nested = signal_on_altstack(r->rsp), entering = false;
	u64 sp = r->rsp - RED_ZONE;
	if ((a->flags & SA_ONSTACK) && s->altstack.size && !signal_on_altstack(sp)) {
		sp = s->altstack.sp + s->altstack.size;
		entering = true;
	}
	u64 fp = ALIGN_DOWN(sp - fpu_frame_size(), 64);
	u64 frame = ALIGN_DOWN(fp - sizeof(struct rt_sigframe_k), 16) - 8;
	if ((nested || entering) && !on_stack_range(frame))
		return false; /* the alternate stack overflowed */

	struct rt_sigframe_k f;
	memset(&f, 0, sizeof(f));
	f.pretcode = a->restorer;
	f.uc.flags = (fpu_frame_size() > 512 ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	/* as Linux: the stored flags, not whether the interrupted code was on the stack */
	f.uc.stack = s->altstack;
	if (!f.uc.stack.size)
		f.uc.stack.flags = SS_DISABLE;
	save_context(r, &f.uc.mcontext);
	f.uc.mcontext.oldmask = oldmask;
	f.uc.mcontext.cr2 = info->signo == SIGSEGV || info->signo == SIGBUS ? info->fault.addr : 0;
	f.uc.mcontext.fpstate = fp;
	f.uc.sigmask = oldmask;
	f.info = *info;
	if (!fpu_save_to_user(fp) || copy_to_user(frame, &f, sizeof(f)))
		return false;
	if (entering && (s->altstack.flags & SS_AUTODISARM))
		s->altstack = (struct stack_k){ 0 };
	fpu_reset();

	r->rdi = (u64)info->signo;
	r->rsi = frame + __builtin_offsetof(struct rt_sigframe_k, info);
	r->rdx = frame + __builtin_offsetof(struct rt_sigframe_k, uc);
	r->rax = 0;
	r->rip = a->handler;
	r->rsp = frame;
	r->rflags &= ~(RFLAGS_DF | RFLAGS_RF | RFLAGS_TF);
	r->cs = USER_CS;
	r->ss = USER_DS;
	return true;
}

void signal_frame_failed(struct regs *r, int sig)
{
	kerr("cannot deliver %s: the signal frame does not fit the app's stack at %lx", signal_name(sig), r->rsp);
	proc_fatal_signal(r, SIGSEGV, "bad signal stack", r->rsp);
}

static NORETURN void bad_return(struct regs *r, u64 frame)
{
	proc_fatal_signal(r, SIGSEGV, "rt_sigreturn with a bad frame", frame);
}

long signal_return(struct regs *r)
{
	u64 frame = r->rsp - 8; /* the handler's ret popped pretcode */
	struct ucontext_k uc;
	if (copy_from_user(&uc, frame + __builtin_offsetof(struct rt_sigframe_k, uc), sizeof(uc)))
		bad_return(r, frame);
	const struct sigcontext_k *sc = &uc.mcontext;
	if (sc->rip >= USER_RIP_LIMIT || !fpu_restore_from_user(sc->fpstate))
		bad_return(r, frame);
	r->r8 = sc->r8, r->r9 = sc->r9, r->r10 = sc->r10, r->r11 = sc->r11;
	r->r12 = sc->r12, r->r13 = sc->r13, r->r14 = sc->r14, r->r15 = sc->r15;
	r->rdi = sc->rdi, r->rsi = sc->rsi, r->rbp = sc->rbp, r->rbx = sc->rbx;
	r->rdx = sc->rdx, r->rcx = sc->rcx, r->rsp = sc->rsp, r->rip = sc->rip;
	r->rflags = (r->rflags & ~RFLAGS_USER) | (sc->rflags & RFLAGS_USER);
	r->cs = USER_CS;
	r->ss = USER_DS;
	current->sig.blocked = uc.sigmask & ~UNBLOCKABLE;
	signal_set_altstack(r->rsp, &uc.stack); /* as Linux: a refused setting is not an error here */
	return (long)sc->rax;
}
