/* Syscall dispatch through the table generated from syscall-shim/catalog.json. */
#include "syscall.h"
#include "errno.h"
#include "log.h"
#include "proc.h"
#include "sched.h"
#include "signal.h"

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

bool syscall_dispatch(struct regs *r)
{
	current_regs = r;
	u64 nr = r->rax;
	current->syscall_nr = nr;
	long ret;
	if (nr < SYSCALL_COUNT && syscall_table[nr]) {
		ret = syscall_table[nr](r);
	} else {
		report_unsupported(nr);
		ret = -ENOSYS;
	}
	r->rax = (u64)ret;
	signal_deliver(r);
	sched_before_user();
	/* sysret to a non-canonical rip would fault in ring 0 with the user's stack */
	if (r->rip >= 0x00007ffffffff000UL)
		proc_fatal_signal(r, SIGSEGV, "return to a non-canonical address", r->rip);
	return r->rcx != r->rip || r->r11 != r->rflags;
}
