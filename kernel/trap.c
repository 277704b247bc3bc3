/* Exceptions and interrupts. From the app: page faults on lazily backed memory are served, any
 * other fault becomes a signal (signal_fault.c), the timer may switch threads; pending signals are
 * delivered before returning to the app. From the kernel: panic, except interrupts in the idle
 * loop. */
#include "9p.h"
#include "clock.h"
#include "console.h"
#include "control.h"
#include "cpu.h"
#include "log.h"
#include "run_stats.h"
#include "sched.h"
#include "signal.h"
#include "vdso.h"
#include "virtio.h"
#include "vma.h"
#include "x86.h"

#define PF_PRESENT 1
#define PF_WRITE 2
#define PF_FETCH 16

static const char *const names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range", "invalid opcode",
	"device not available", "double fault", "coprocessor overrun", "invalid TSS", "segment not present",
	"stack fault", "general protection", "page fault", "reserved", "x87 FPU error", "alignment check",
	"machine check", "SIMD floating-point", "virtualization", "control protection",
};

void dump_regs(const struct regs *r)
{
	kerr("  rax=%016lx rbx=%016lx rcx=%016lx rdx=%016lx", r->rax, r->rbx, r->rcx, r->rdx);
	kerr("  rsi=%016lx rdi=%016lx rbp=%016lx rsp=%016lx", r->rsi, r->rdi, r->rbp, r->rsp);
	kerr("  r8 =%016lx r9 =%016lx r10=%016lx r11=%016lx", r->r8, r->r9, r->r10, r->r11);
	kerr("  r12=%016lx r13=%016lx r14=%016lx r15=%016lx", r->r12, r->r13, r->r14, r->r15);
	kerr("  rip=%016lx rflags=%016lx cs=%lx ss=%lx error=%lx", r->rip, r->rflags, r->cs, r->ss, r->error);
}

static NORETURN void kernel_fault(struct regs *r)
{
	const char *name = r->vector < 32 && names[r->vector] ? names[r->vector] : "exception";
	kerr("panic: %s (vector %lu) in the kernel at %lx, address %lx", name, r->vector, r->rip,
	     r->vector == 14 ? read_cr2() : 0);
	dump_regs(r);
	kerr("backtrace (kernel addresses; resolve with addr2line -e build/kernel/ukify-kernel.debug):");
	kerr("  #0 %lx", r->rip);
	backtrace_from(r->rbp);
	power_off(-1);
}

/* A device's interrupt (taken in user mode or in the idle loop), acknowledged at the LAPIC. */
static void device_irq(u64 vector)
{
	if (vector == CONSOLE_VECTOR)
		console_irq();
	if (vector == CONTROL_VECTOR)
		control_irq();
	if (vector == NET_VECTOR)
		virtio_net_irq();
	if (vector == P9_VECTOR)
		virtio_9p_irq();
	if (vector != 0xff)
		lapic_eoi();
}

static void user_trap(struct regs *r)
{
	if (r->vector >= 32) {
		device_irq(r->vector);
		if (r->vector == TIMER_VECTOR)
			sched_timer_interrupt(true); /* may switch threads: r is this thread's own frame */
		signal_deliver(r);
		return;
	}
	u64 cr2 = 0;
	if (r->vector == 14) {
		cr2 = read_cr2();
		/* a page not yet backed, or a write to one shared copy-on-write */
		bool write = r->error & PF_WRITE;
		if ((!(r->error & PF_PRESENT) || write) && vma_fault(mm_current(), cr2, write, r->error & PF_FETCH))
			return;
		if (current->proc->exiting)
			thread_exit(0); /* out of memory: vma_fault ended the process */
	}
	signal_fault(r, cr2, names[r->vector] ? names[r->vector] : "exception");
}

void trap(struct regs *r)
{
	if (r->cs & 3) {
		run_stats_from_user();
		user_trap(r);
		vdso_ids_before_user();
		sched_before_user();
		run_stats_to_user();
		return;
	}
	if (r->vector < 32)
		kernel_fault(r);
	/* the idle loop (interrupts are off elsewhere in the kernel) */
	device_irq(r->vector);
	if (r->vector == TIMER_VECTOR)
		sched_timer_interrupt(false);
}
