/* Syscall dispatch through the table generated from syscall-shim/catalog.json. */
#include "syscall.h"
#include "allowlist.h"
#include "clock.h"
#include "errno.h"
#include "log.h"
#include "proc.h"
#include "run_stats.h"
#include "sched.h"
#include "signal.h"
#include "trace.h"
#include "vdso.h"

struct regs *current_regs;
static u64 reported[SYSCALL_COUNT / 64 + 1];

static void report_unsupported(u64 nr)
{
	u64 slot = nr < SYSCALL_COUNT ? nr : SYSCALL_COUNT;
	if (reported[slot / 64] & (1UL << (slot % 64)))
		return;
	reported[slot / 64] |= 1UL << (slot % 64);
	const char *name = nr < SYSCALL_COUNT && syscall_names[nr] ? syscall_names[nr] : "?";
	kwarn("unsupported syscall '%s' (%lu)", name, nr);
}

#ifdef UKIFY_SYSCALL_DELAY_NS
/* Bench-only (`make SYSCALL_DELAY_NS=N`, bench/ring0.ts): every syscall busy-waits N ns more, to
 * measure how much a program's speed depends on the cost of a syscall. No pause in the loop: under
 * TCG it leaves the translated code on each turn. */
static void syscall_delay(void)
{
	u64 end = clock_monotonic_ns() + UKIFY_SYSCALL_DELAY_NS;
	while (clock_monotonic_ns() < end)
		;
}
#endif

bool syscall_dispatch(struct regs *r)
{
	current_regs = r;
	run_stats_from_user();
	run_stats.syscalls++;
#ifdef UKIFY_SYSCALL_DELAY_NS
	syscall_delay();
#endif
	u64 nr = r->rax;
	current->syscall_nr = nr;
	long ret;
	u64 args[6] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8, r->r9 };
	u64 started = 0;
	if (trace_on) {
		trace_enter(nr, args);
		started = clock_realtime_ns(); /* the call's time leaves out its record's */
	}
	if (nr < SYSCALL_COUNT && syscall_table[nr]) {
		ret = allowlist_permits(nr, r) ? syscall_table[nr](r) : allowlist_refuse(nr, r);
	} else {
		report_unsupported(nr);
		ret = -ENOSYS;
	}
	if (trace_on)
		trace_exit(nr, args, ret, clock_realtime_ns() - started);
	r->rax = (u64)ret;
	signal_deliver(r);
	vdso_ids_before_user();
	sched_before_user();
	/* sysret to a non-canonical rip would fault in ring 0 with the user's stack */
	if (r->rip >= 0x00007ffffffff000UL)
		proc_fatal_signal(r, SIGSEGV, "return to a non-canonical address", r->rip);
	run_stats_to_user();
	return r->rcx != r->rip || r->r11 != r->rflags;
}
