/* Resource usage: CPU time is the time the scheduler ran the process's threads (kernel time is
 * not told apart: it is all user time), children's is what reaped children used. */
#include "sched.h"
#include "errno.h"
#include "rusage.h"
#include "lib.h"
#include "mm.h"
#include "process.h"
#include "syscalls.h"
#include "uaccess.h"

#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1
#define TICKS_OFFSET (300 * USER_HZ)


struct tms_k {
	i64 utime, stime, cutime, cstime;
};

long put_rusage(u64 out, u64 cpu_ns, bool resident)
{
	struct rusage_k ru = { 0 };
	u64 us = cpu_ns / 1000;
	ru.utime_sec = (i64)(us / 1000000), ru.utime_usec = (i64)(us % 1000000);
	/* frames in use (programs, files, page tables): an upper bound of a resident set */
	if (resident)
		ru.maxrss = (i64)((pmm_total_bytes() - pmm_free_bytes()) >> 10);
	return copy_to_user(out, &ru, sizeof(ru));
}

long sys_getrusage(int who, u64 out)
{
	if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD)
		return -EINVAL;
	struct proc *p = proc_current();
	return who == RUSAGE_CHILDREN ? put_rusage(out, p->children_cpu_ns, p->children_cpu_ns != 0)
				      : put_rusage(out, sched_cpu_ns(p), true);
}

/* Returns clock ticks since boot plus 5 minutes: the count is only good for differences, and like
 * Linux's (which starts 5 minutes before its 32-bit wrap) it is never near 0 (0 and -1 look like
 * failures to some callers). */
long sys_times(u64 out)
{
	const u64 tick_ns = 1000000000UL / USER_HZ;
	i64 ticks = (i64)(clock_monotonic_ns() / tick_ns);
	struct proc *p = proc_current();
	struct tms_k t = { (i64)(sched_cpu_ns(p) / tick_ns), 0, (i64)(p->children_cpu_ns / tick_ns), 0 };
	if (out && copy_to_user(out, &t, sizeof(t)))
		return -EFAULT;
	return ticks + TICKS_OFFSET;
}
