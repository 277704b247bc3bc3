/* Scheduling settings of the one thread on the one CPU: nice value, policy and priority, I/O
 * priority, affinity. They follow Linux's checks and are reported back, but there is nothing to
 * share the CPU with, so none of them changes how the app runs. */
#include "creds.h"
#include "errno.h"
#include "uaccess.h"

#define SELF 1
#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2
#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_DEADLINE 6
#define SCHED_RESET_ON_FORK 0x40000000
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_WHO_PGRP 2
#define IOPRIO_WHO_USER 3
#define IOPRIO_CLASS_NONE 0
#define IOPRIO_CLASS_RT 1
#define IOPRIO_CLASS_IDLE 3
#define IOPRIO_LEVELS 8

static int nice;
static int policy = SCHED_OTHER;
static int rt_priority;
static bool reset_on_fork;
static int ioprio;

static bool is_self(long pid) { return (int)pid == 0 || (int)pid == SELF; }

/* Whether `who` names us for PRIO_* / IOPRIO_WHO_* (process, group, user): 0 or -errno. */
static long match(long which, long who, long process, long pgrp, long user)
{
	who = (int)who;
	if (which == process)
		return is_self(who) ? 0 : -ESRCH;
	if (which == pgrp)
		return who == 0 || who == sys_getpgrp() ? 0 : -ESRCH;
	if (which == user)
		return who == 0 || who == sys_getuid() ? 0 : -ESRCH;
	return -EINVAL;
}

/* Returns 20 - nice (1..40), as the raw syscall does. */
long sys_getpriority(long which, long who)
{
	long err = match((int)which, who, PRIO_PROCESS, PRIO_PGRP, PRIO_USER);
	return err ? err : 20 - nice;
}

long sys_setpriority(long which, long who, long value)
{
	long err = match((int)which, who, PRIO_PROCESS, PRIO_PGRP, PRIO_USER);
	if (err)
		return err;
	int v = (int)value < -20 ? -20 : (int)value > 19 ? 19 : (int)value;
	if (v < nice && !cred_capable(CAP_SYS_NICE))
		return -EACCES; /* RLIMIT_NICE is 0 */
	nice = v;
	return 0;
}

static bool rt_policy(int p) { return p == SCHED_FIFO || p == SCHED_RR; }

static long valid_policy(int p, int prio)
{
	if (p != SCHED_OTHER && p != SCHED_FIFO && p != SCHED_RR && p != SCHED_BATCH && p != SCHED_IDLE)
		return -EINVAL;
	if (rt_policy(p) ? prio < 1 || prio > 99 : prio != 0)
		return -EINVAL;
	if (rt_policy(p) && !cred_capable(CAP_SYS_NICE))
		return -EPERM; /* RLIMIT_RTPRIO is 0 */
	return 0;
}

/* policy < 0: keep the policy (sched_setparam). */
static long set_sched(long pid, int p, u64 param)
{
	int prio;
	if ((int)pid < 0 || !param)
		return -EINVAL;
	if (copy_from_user(&prio, param, sizeof(prio)))
		return -EFAULT;
	if (!is_self(pid))
		return -ESRCH;
	bool reset = reset_on_fork;
	if (p >= 0) {
		reset = p & SCHED_RESET_ON_FORK;
		p &= ~SCHED_RESET_ON_FORK;
	} else {
		p = policy;
	}
	long err = valid_policy(p, prio);
	if (err)
		return err;
	policy = p, rt_priority = prio, reset_on_fork = reset;
	return 0;
}

long sys_sched_setscheduler(long pid, long p, u64 param) { return (int)p < 0 ? -EINVAL : set_sched(pid, (int)p, param); }
long sys_sched_setparam(long pid, u64 param) { return set_sched(pid, -1, param); }

long sys_sched_getscheduler(long pid)
{
	if ((int)pid < 0)
		return -EINVAL;
	if (!is_self(pid))
		return -ESRCH;
	return policy | (reset_on_fork ? SCHED_RESET_ON_FORK : 0);
}

long sys_sched_getparam(long pid, u64 param)
{
	if ((int)pid < 0 || !param)
		return -EINVAL;
	if (!is_self(pid))
		return -ESRCH;
	return copy_to_user(param, &rt_priority, sizeof(rt_priority));
}

static long priority_range(long p, int rt_value)
{
	switch ((int)p) {
	case SCHED_FIFO:
	case SCHED_RR:
		return rt_value;
	case SCHED_OTHER:
	case SCHED_BATCH:
	case SCHED_IDLE:
	case SCHED_DEADLINE:
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_sched_get_priority_max(long p) { return priority_range(p, 99); }
long sys_sched_get_priority_min(long p) { return priority_range(p, 1); }

/* One CPU: a mask must hold CPU 0. */
long sys_sched_setaffinity(long pid, u64 len, u64 mask)
{
	if (!is_self(pid))
		return -ESRCH;
	u8 first = 0;
	if (len && copy_from_user(&first, mask, 1))
		return -EFAULT;
	return first & 1 ? 0 : -EINVAL;
}

long sys_getcpu(u64 cpu, u64 node, u64 cache)
{
	(void)cache; /* unused since Linux 2.6.24 */
	u32 zero = 0;
	if ((cpu && copy_to_user(cpu, &zero, 4)) || (node && copy_to_user(node, &zero, 4)))
		return -EFAULT;
	return 0;
}

long sys_ioprio_get(long which, long who)
{
	long err = match((int)which, who, IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER);
	return err ? err : ioprio;
}

long sys_ioprio_set(long which, long who, long prio)
{
	int cls = (int)prio >> 13 & 7, data = (int)prio & 0x1fff;
	if (cls > IOPRIO_CLASS_IDLE)
		return -EINVAL;
	if (cls == IOPRIO_CLASS_NONE ? data != 0 : cls != IOPRIO_CLASS_IDLE && data >= IOPRIO_LEVELS)
		return -EINVAL;
	if (cls == IOPRIO_CLASS_RT && !cred_capable(CAP_SYS_NICE) && !cred_capable(CAP_SYS_ADMIN))
		return -EPERM;
	long err = match((int)which, who, IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER);
	if (err)
		return err;
	ioprio = (int)prio;
	return 0;
}
