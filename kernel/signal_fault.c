/* Faults in user mode become synchronous signals with Linux's si_code and si_addr. They go to the
 * app's handler when one is installed and the signal is neither blocked nor ignored; otherwise the
 * app ends with a fault report and 128+signal (Linux likewise forces the default action). */
#include "log.h"
#include "proc.h"
#include "thread.h"
#include "signal_frame.h"
#include "trace.h"
#include "vma.h"

#define PF_PRESENT 1

/* The exception flags of the x87 status word or MXCSR (bits 0-5) not masked in its control. */
static int float_code(u32 flags)
{
	if (flags & 1)
		return FPE_FLTINV;
	if (flags & 4)
		return FPE_FLTDIV;
	if (flags & 8)
		return FPE_FLTOVF;
	if (flags & 0x12)
		return FPE_FLTUND;
	if (flags & 0x20)
		return FPE_FLTRES;
	return 0;
}

static int x87_code(void)
{
	u16 sw, cw;
	__asm__ volatile("fnstsw %0; fnstcw %1" : "=m"(sw), "=m"(cw));
	return float_code(sw & ~cw & 0x3f);
}

static int simd_code(void)
{
	u32 mxcsr;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	return float_code(mxcsr & ~(mxcsr >> 7) & 0x3f);
}

static void classify(const struct regs *r, u64 cr2, struct siginfo_k *info)
{
	int sig = SIGSEGV, code = SI_KERNEL;
	u64 addr = 0;
	switch (r->vector) {
	case 0: sig = SIGFPE, code = FPE_INTDIV, addr = r->rip; break;
	case 1: sig = SIGTRAP, code = TRAP_TRACE, addr = r->rip; break;
	case 3: sig = SIGTRAP; break;
	case 6: sig = SIGILL, code = ILL_ILLOPN, addr = r->rip; break;
	case 11: case 12: sig = SIGBUS; break;
	case 14:
		code = (r->error & PF_PRESENT) || vma_find(mm_current(), cr2) ? SEGV_ACCERR : SEGV_MAPERR;
		addr = cr2;
		break;
	case 16: sig = SIGFPE, code = x87_code(), addr = r->rip; break;
	case 17: sig = SIGBUS, code = BUS_ADRALN; break;
	case 19: sig = SIGFPE, code = simd_code(), addr = r->rip; break;
	default: break;
	}
	info->signo = sig;
	info->code = code;
	info->fault.addr = addr;
}

void signal_fault(struct regs *r, u64 cr2, const char *what)
{
	struct siginfo_k info = { 0 };
	classify(r, cr2, &info);
	if (trace_on)
		trace_signal(&info);
	int sig = info.signo;
	struct sigaction_k *a = &current->proc->sighand->actions[sig - 1];
	/* the report shows the faulting address for page faults, else where it happened */
	if (a->handler == SIG_DFL || a->handler == SIG_IGN || (current->sig.blocked & sigbit(sig)))
		proc_fatal_signal(r, sig, what, r->vector == 14 ? cr2 : r->rip);
	signal_run_handler(r, &info, current->sig.blocked);
	signal_deliver(r);
}
