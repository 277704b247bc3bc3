/* Clocks and sleeping (the thread blocks; others run). CPU-time clocks report time since boot. */
#include "sched.h"
#include "errno.h"
#include "syscalls.h"
#include "uaccess.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
#define NS 1000000000UL

struct timespec_k {
	i64 sec, nsec;
};

static long clock_ns(long clk, u64 *ns)
{
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		*ns = clock_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = clock_monotonic_ns();
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_clock_gettime(int clk, u64 out)
{
	u64 ns;
	long err = clock_ns(clk, &ns);
	if (err)
		return err;
	struct timespec_k ts = { (i64)(ns / NS), (i64)(ns % NS) };
	return copy_to_user(out, &ts, sizeof(ts));
}

long sys_clock_getres(int clk, u64 out)
{
	u64 ns;
	long err = clock_ns(clk, &ns);
	if (err || !out)
		return err;
	struct timespec_k ts = { 0, 1 };
	return copy_to_user(out, &ts, sizeof(ts));
}

long sys_gettimeofday(u64 tv, u64 tz)
{
	u64 ns = clock_realtime_ns();
	i64 v[2] = { (i64)(ns / NS), (i64)(ns % NS / 1000) };
	if (tv && copy_to_user(tv, v, sizeof(v)))
		return -EFAULT;
	i32 zone[2] = { 0, 0 };
	if (tz && copy_to_user(tz, zone, sizeof(zone)))
		return -EFAULT;
	return 0;
}

long sys_time(u64 tloc)
{
	i64 t = (i64)(clock_realtime_ns() / NS);
	if (tloc && copy_to_user(tloc, &t, sizeof(t)))
		return -EFAULT;
	return t;
}

static long read_timespec(u64 p, u64 *ns)
{
	struct timespec_k ts;
	if (copy_from_user(&ts, p, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || (u64)ts.nsec >= NS)
		return -EINVAL;
	*ns = (u64)ts.sec > ~0UL / NS - 1 ? ~0UL : (u64)ts.sec * NS + (u64)ts.nsec;
	return 0;
}

/* Sleeps until the monotonic deadline; a signal ends the sleep early with EINTR and, when rem is
 * given, the time left (relative sleeps only). */
static long sleep_interruptible(u64 deadline, u64 rem)
{
	if (sched_sleep(deadline, true) != WAKE_SIGNAL)
		return 0;
	u64 now = clock_monotonic_ns(), left = deadline > now ? deadline - now : 0;
	struct timespec_k ts = { (i64)(left / NS), (i64)(left % NS) };
	if (rem && copy_to_user(rem, &ts, sizeof(ts)))
		return -EFAULT;
	return -EINTR;
}

static u64 add_ns(u64 a, u64 b) { return b > ~0UL - a ? ~0UL : a + b; }

long sys_nanosleep(u64 req, u64 rem)
{
	u64 ns;
	long err = read_timespec(req, &ns);
	if (err)
		return err;
	return sleep_interruptible(add_ns(clock_monotonic_ns(), MAX(ns, 1)), rem);
}

long sys_clock_nanosleep(int clk, int flags, u64 req, u64 rem)
{
	u64 ns, now;
	long err = clock_ns(clk, &now);
	if (err)
		return err;
	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if ((err = read_timespec(req, &ns)))
		return err;
	u64 mono = clock_monotonic_ns();
	if (flags & TIMER_ABSTIME)
		return sleep_interruptible(add_ns(mono, ns > now ? ns - now : 1), 0);
	return sleep_interruptible(add_ns(mono, MAX(ns, 1)), rem);
}
