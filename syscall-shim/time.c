/* Clocks and sleeping. CPU-time clocks report time since boot (the app is the only thing running). */
#include "clock.h"
#include "errno.h"
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

long sys_clock_gettime(long clk, u64 out)
{
	u64 ns;
	long err = clock_ns(clk, &ns);
	if (err)
		return err;
	struct timespec_k ts = { (i64)(ns / NS), (i64)(ns % NS) };
	return copy_to_user(out, &ts, sizeof(ts));
}

long sys_clock_getres(long clk, u64 out)
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

long sys_nanosleep(u64 req, u64 rem)
{
	(void)rem; /* never interrupted: no signals are delivered yet */
	u64 ns;
	long err = read_timespec(req, &ns);
	if (err)
		return err;
	u64 now = clock_monotonic_ns();
	sleep_until(ns > ~0UL - now ? ~0UL : now + ns, NULL);
	return 0;
}

long sys_clock_nanosleep(long clk, long flags, u64 req, u64 rem)
{
	(void)rem;
	u64 ns, now;
	long err = clock_ns(clk, &now);
	if (err)
		return err;
	if (clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if ((err = read_timespec(req, &ns)))
		return err;
	u64 mono = clock_monotonic_ns();
	u64 delta = (flags & TIMER_ABSTIME) ? (ns > now ? ns - now : 0) : ns;
	sleep_until(delta > ~0UL - mono ? ~0UL : mono + delta, NULL);
	return 0;
}
