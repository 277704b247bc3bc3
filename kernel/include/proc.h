/* The app's process state: one process; its threads are in thread.h. */
#pragma once
#include "types.h"
#include "cpu.h"
#include "signal.h"
#include "vma.h"

struct rlimit_k { u64 cur, max; };
#define RLIM_NLIMITS 16

struct proc {
	struct vma *vmas;
	u64 brk_start, brk;
	u64 load_bias;          /* added to link-time addresses (PIE) */
	struct sigstate sig;    /* dispositions, process-directed signals (threads: thread.h) */
	struct rlimit_k rlimits[RLIM_NLIMITS];
	const char *exe;        /* absolute path of the app in the initrd */
	int argc;               /* the app's arguments (for /proc/self/cmdline) */
	const char **argv;
};

extern struct proc proc;

NORETURN void proc_exit(int status);
NORETURN void proc_fatal_signal(struct regs *r, int sig, const char *what, u64 addr);
