/* `ukify run --stats`: counts of what the VM did, kept where each thing happens (syscall.c, trap.c,
 * vma.c, the console, net.c, proc.c, thread.c, pmm.c, sched.c) and written as one record when the
 * machine powers off (layout: kernel/IMAGE.md). Time is split three ways: the app's own (ring 3,
 * from each return to it to the next entry into the kernel), idle (halted, nothing to run), and
 * the kernel's: the rest of the time since boot. Memory in use at power-off (mem_kib): the
 * frames still taken, less what the kernel heap and lwIP's big blocks hold unused: with every
 * process gone, the kernel's own memory and the files'; a run that opens and closes more leaves
 * the same. */
#include "run_stats.h"
#include "clock.h"
#include "lib.h"
#include "log.h"

struct run_stats run_stats;
bool run_stats_on;

static u64 user_since; /* when the CPU last went to ring 3; 0 while in the kernel */

void run_stats_from_user(void)
{
	if (!run_stats_on || !user_since)
		return;
	run_stats.user_ns += clock_monotonic_ns() - user_since;
	user_since = 0;
}

void run_stats_to_user(void)
{
	if (run_stats_on)
		user_since = clock_monotonic_ns();
}

void run_stats_log(void)
{
	if (!run_stats_on)
		return;
	run_stats_from_user();
	const struct run_stats *s = &run_stats;
	char line[440];
	u64 mem = (s->frames - s->heap_frames - s->idle_frames) * 4096 + s->heap_bytes;
	int n = snprintf(line, sizeof line,
			 "ukify-stats: uptime_ns=%lu user_ns=%lu idle_ns=%lu syscalls=%lu page_faults=%lu peak_kib=%lu"
			 " console_in=%lu console_out=%lu net_in=%lu net_out=%lu procs=%lu threads=%lu mem_kib=%lu\n",
			 clock_monotonic_ns(), s->user_ns, s->idle_ns, s->syscalls, s->page_faults, s->peak_frames * 4,
			 s->console_in, s->console_out, s->net_in, s->net_out, s->procs, s->threads, mem >> 10);
	log_raw(line, (size_t)MIN(n, (int)sizeof line - 1));
}
