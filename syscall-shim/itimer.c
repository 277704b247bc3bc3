/* alarm, setitimer and getitimer for ITIMER_REAL: SIGALRM to the process from the scheduler's
 * timer (kernel/sched.c). ITIMER_VIRTUAL and ITIMER_PROF (CPU time) are not implemented: EINVAL. */
#include "sched.h"
#include "errno.h"
#include "syscalls.h"
#include "uaccess.h"

#define ITIMER_REAL 0
#define US 1000UL
#define NS 1000000000UL

struct timeval_k {
	i64 sec, usec;
};

struct itimerval_k {
	struct timeval_k interval, value;
};

static struct timeval_k tv_of(u64 ns) { return (struct timeval_k){ (i64)(ns / NS), (i64)(ns % NS / US) }; }

static bool ns_of(struct timeval_k tv, u64 *ns)
{
	if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1000000)
		return false;
	*ns = (u64)tv.sec > ~0UL / NS / 2 ? ~0UL / 2 : (u64)tv.sec * NS + (u64)tv.usec * US;
	return true;
}

/* The timer as getitimer shows it: an expiry already due but not yet delivered shows 1 us. */
static struct itimerval_k current_timer(void)
{
	u64 at, every, now = clock_monotonic_ns();
	sched_get_alarm(&at, &every);
	struct itimerval_k v = { tv_of(every), { 0, 0 } };
	if (at)
		v.value = at > now ? tv_of(at - now) : (struct timeval_k){ 0, 1 };
	if (at > now && !v.value.sec && !v.value.usec)
		v.value.usec = 1;
	return v;
}

static void arm(u64 value, u64 interval)
{
	sched_set_alarm(value ? clock_monotonic_ns() + value : 0, value ? interval : 0);
}

long sys_getitimer(int which, u64 out)
{
	if (which != ITIMER_REAL)
		return -EINVAL;
	struct itimerval_k v = current_timer();
	return copy_to_user(out, &v, sizeof(v));
}

long sys_setitimer(int which, u64 in, u64 out)
{
	struct itimerval_k nv = { 0 }, old = current_timer();
	u64 value, interval;
	if (in && copy_from_user(&nv, in, sizeof(nv)))
		return -EFAULT;
	if (which != ITIMER_REAL)
		return -EINVAL;
	if (!ns_of(nv.value, &value) || !ns_of(nv.interval, &interval))
		return -EINVAL;
	if (out && copy_to_user(out, &old, sizeof(old)))
		return -EFAULT;
	arm(value, interval); /* a NULL new value disarms, as Linux */
	return 0;
}

/* The seconds left of the previous alarm, rounded to the nearest (and 1 rather than 0), as Linux. */
long sys_alarm(unsigned seconds)
{
	struct itimerval_k old = current_timer();
	arm((u64)seconds * NS, 0);
	long left = old.value.sec;
	if ((!left && old.value.usec) || old.value.usec >= 500000)
		left++;
	return left;
}
