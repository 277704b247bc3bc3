/* Scheduling settings of processes: nice value, policy and priority, I/O priority, affinity. They
 * follow Linux's checks and are reported back and inherited, but the scheduler is round-robin on
 * one CPU: none of them changes how threads run. */
#include "creds.h"
#include "errno.h"
#include "process.h"
#include "syscalls.h"
#include "uaccess.h"

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

/* The process pid names (0: the caller), or NULL. */
static struct proc *target(int pid)
{
	struct proc *p = pid ? proc_find(pid) : proc_current();
	return p && p->state == PROC_ALIVE ? p : NULL;
}

/* Whether p is named by (which, who) for PRIO_* / IOPRIO_WHO_* (process, group, user). */
static bool matches(const struct proc *p, long which, int who, long process, long pgrp)
{
	const struct proc *self = proc_current();
	if (which == process)
		return p->pid == (who ? who : self->pid);
	if (which == pgrp)
		return p->pgid == (who ? who : self->pgid);
	return p->cred.uid.r == (who ? (u32)who : self->cred.uid.r);
}

/* Applies fn to each live process (which, who) names, until one is refused (EACCES); -EINVAL for a bad which,
 * -ESRCH when none is named, else fn's last result. */
static long for_each_named(int which, int who, long process, long pgrp, long user,
			   long (*fn)(struct proc *p, long *arg), long *arg)
{
	if (which != process && which != pgrp && which != user)
		return -EINVAL;
	long ret = -ESRCH;
	for (struct proc *p = proc_first(); p && ret != -EACCES; p = p->next)
		if (p->state == PROC_ALIVE && matches(p, which, who, process, pgrp))
			ret = fn(p, arg);
	return ret;
}

/* getpriority: 20 - nice (1..40), as the raw syscall returns it, the highest of those named. */
static long read_prio(struct proc *p, long *best)
{
	*best = MAX(*best, 20L - p->sched.nice);
	return 0;
}

long sys_getpriority(int which, int who)
{
	long best = 0;
	long err = for_each_named(which, who, PRIO_PROCESS, PRIO_PGRP, PRIO_USER, read_prio, &best);
	return err ? err : best;
}

static long write_nice(struct proc *p, long *v)
{
	if (*v < p->sched.nice && !cred_capable(CAP_SYS_NICE))
		return -EACCES; /* RLIMIT_NICE is 0 */
	p->sched.nice = (int)*v;
	return 0;
}

long sys_setpriority(int which, int who, int value)
{
	long v = value < -20 ? -20 : value > 19 ? 19 : value;
	return for_each_named(which, who, PRIO_PROCESS, PRIO_PGRP, PRIO_USER, write_nice, &v);
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
static long set_sched(int pid, int p, u64 param)
{
	int prio;
	if (pid < 0 || !param)
		return -EINVAL;
	if (copy_from_user(&prio, param, sizeof(prio)))
		return -EFAULT;
	struct proc *t = target(pid);
	if (!t)
		return -ESRCH;
	bool reset = t->sched.reset_on_fork;
	if (p >= 0) {
		reset = p & SCHED_RESET_ON_FORK;
		p &= ~SCHED_RESET_ON_FORK;
	} else {
		p = t->sched.policy;
	}
	long err = valid_policy(p, prio);
	if (err)
		return err;
	t->sched.policy = p, t->sched.rt_priority = prio, t->sched.reset_on_fork = reset;
	return 0;
}

long sys_sched_setscheduler(int pid, int p, u64 param) { return p < 0 ? -EINVAL : set_sched(pid, p, param); }
long sys_sched_setparam(int pid, u64 param) { return set_sched(pid, -1, param); }

long sys_sched_getscheduler(int pid)
{
	if (pid < 0)
		return -EINVAL;
	struct proc *t = target(pid);
	if (!t)
		return -ESRCH;
	return t->sched.policy | (t->sched.reset_on_fork ? SCHED_RESET_ON_FORK : 0);
}

long sys_sched_getparam(int pid, u64 param)
{
	if (pid < 0 || !param)
		return -EINVAL;
	struct proc *t = target(pid);
	if (!t)
		return -ESRCH;
	return copy_to_user(param, &t->sched.rt_priority, sizeof(t->sched.rt_priority));
}

static long priority_range(int p, int rt_value)
{
	switch (p) {
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

long sys_sched_get_priority_max(int p) { return priority_range(p, 99); }
long sys_sched_get_priority_min(int p) { return priority_range(p, 1); }

/* One CPU: a mask must hold CPU 0. */
long sys_sched_setaffinity(int pid, unsigned len, u64 mask)
{
	if (!target(pid))
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

static long read_ioprio(struct proc *p, long *out)
{
	*out = p->sched.ioprio;
	return 0;
}

long sys_ioprio_get(int which, int who)
{
	long prio = 0;
	long err = for_each_named(which, who, IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER, read_ioprio, &prio);
	return err ? err : prio;
}

static long write_ioprio(struct proc *p, long *prio)
{
	p->sched.ioprio = (int)*prio;
	return 0;
}

long sys_ioprio_set(int which, int who, int prio)
{
	int cls = prio >> 13 & 7, data = prio & 0x1fff;
	if (cls > IOPRIO_CLASS_IDLE)
		return -EINVAL;
	if (cls == IOPRIO_CLASS_NONE ? data != 0 : cls != IOPRIO_CLASS_IDLE && data >= IOPRIO_LEVELS)
		return -EINVAL;
	if (cls == IOPRIO_CLASS_RT && !cred_capable(CAP_SYS_NICE) && !cred_capable(CAP_SYS_ADMIN))
		return -EPERM;
	long v = prio;
	return for_each_named(which, who, IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER, write_ioprio, &v);
}
