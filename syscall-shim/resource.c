/* Resource usage of the one process. CPU time is the time since boot, as the CPU-time clocks
 * report it (the app is the only thing running; kernel time is not told apart). */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "uaccess.h"

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1
#define USER_HZ 100
#define TICKS_OFFSET (300 * USER_HZ)

struct rusage_k {
	i64 utime_sec, utime_usec, stime_sec, stime_usec;
	i64 maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals,
	    nvcsw, nivcsw;
};

struct tms_k {
	i64 utime, stime, cutime, cstime;
};

long sys_getrusage(long who, u64 out)
{
	who = (int)who;
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	struct rusage_k ru = { 0 };
	if (who != RUSAGE_CHILDREN) { /* no children: all zero */
		u64 us = clock_monotonic_ns() / 1000;
		ru.utime_sec = (i64)(us / 1000000), ru.utime_usec = (i64)(us % 1000000);
		/* frames in use (app, files, page tables): an upper bound of the resident set */
		ru.maxrss = (i64)((pmm_total_bytes() - pmm_free_bytes()) >> 10);
	}
	return copy_to_user(out, &ru, sizeof(ru));
}

/* Returns clock ticks since boot plus 5 minutes: the count is only good for differences, and like
 * Linux's (which starts 5 minutes before its 32-bit wrap) it is never near 0 (0 and -1 look like
 * failures to some callers). */
long sys_times(u64 out)
{
	i64 ticks = (i64)(clock_monotonic_ns() / (1000000000UL / USER_HZ));
	struct tms_k t = { ticks, 0, 0, 0 };
	if (out && copy_to_user(out, &t, sizeof(t)))
		return -EFAULT;
	return ticks + TICKS_OFFSET;
}
