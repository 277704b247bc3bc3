/* What the VM did, for `ukify run --stats` (kernel/run_stats.c): counted everywhere, logged once. */
#pragma once
#include "types.h"

struct run_stats {
	u64 syscalls, page_faults;
	u64 console_in, console_out; /* bytes the app read from and wrote to its console */
	u64 net_in, net_out;         /* bytes of Ethernet frames received and sent */
	u64 procs, threads;          /* created (the first process and its thread included) */
	u64 user_ns, idle_ns;        /* the app in ring 3; the CPU halted with nothing to run */
	u64 frames, peak_frames;     /* physical pages in use: now, and the most at any time */
	u64 heap_frames, heap_bytes; /* pages the kernel heap took; bytes of its blocks in use */
	u64 idle_frames;             /* pages kept mapped but unused (lwIP's big blocks, net.c) */
};

extern struct run_stats run_stats;
extern bool run_stats_on; /* the command line's `stats`: the time split is measured only then */

/* The CPU comes into the kernel from the app (a syscall, an exception or an interrupt in ring 3). */
void run_stats_from_user(void);
/* ... and goes back to it. */
void run_stats_to_user(void);
/* The `ukify-stats: ...` record on the debugcon (with `stats`), before the exit record. */
void run_stats_log(void);
