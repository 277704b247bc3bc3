/* Process and thread identity, exit, TLS, resource limits, prctl. */
#include "errno.h"
#include "fd.h"
#include "lib.h"
#include "mm.h"
#include "process.h"
#include "sched.h"
#include "syscalls.h"
#include "uaccess.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define RLIMIT_STACK 3
#define CAP_SYS_RESOURCE 24

long sys_getpid(void) { return proc_current()->pid; }
long sys_gettid(void) { return current->tid; }
long sys_getppid(void) { return proc_current()->parent ? proc_current()->parent->pid : 0; }

long sys_arch_prctl(int code, u64 addr)
{
	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;
		if (code == ARCH_SET_FS)
			thread_set_fs_base(addr);
		else
			thread_set_gs_base(addr);
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(addr, &current->fs_base, 8);
	case ARCH_GET_GS:
		return copy_to_user(addr, &current->gs_base, 8);
	default:
		return -EINVAL;
	}
}

long sys_set_tid_address(u64 tidptr)
{
	current->clear_child_tid = tidptr;
	return current->tid;
}

long sys_set_robust_list(u64 head, u64 len)
{
	if (len != 24)
		return -EINVAL;
	current->robust_list = head;
	return 0;
}

/* A limit as reported: an unset stack limit shows Linux's default. */
static struct rlimit_k limit_of(const struct proc *p, unsigned res)
{
	struct rlimit_k r = p->rlimits[res];
	if (res == RLIMIT_STACK && r.cur == RLIM_INFINITY && r.max == RLIM_INFINITY)
		return (struct rlimit_k){ STACK_SIZE, RLIM_INFINITY };
	return r;
}

/* Recorded and reported back, inherited by children; RLIMIT_NOFILE bounds the descriptors,
 * RLIMIT_NPROC limits fork (not for root). As Linux: raising a hard limit takes CAP_SYS_RESOURCE,
 * and RLIMIT_NOFILE's goes no higher than NR_FDS (fs.nr_open) even for root. */
long sys_prlimit64(int pid, unsigned res, u64 new_limit, u64 old_limit)
{
	struct proc *p = pid ? proc_find(pid) : proc_current();
	if (!p || p->state != PROC_ALIVE)
		return -ESRCH;
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit_k old = limit_of(p, res), nl;
	if (new_limit) {
		if (copy_from_user(&nl, new_limit, sizeof(nl)))
			return -EFAULT;
		if (nl.cur > nl.max)
			return -EINVAL;
		if (res == RLIMIT_NOFILE && nl.max > NR_FDS)
			return -EPERM;
		if (nl.max > p->rlimits[res].max && !(proc_current()->cred.cap_eff & (1UL << CAP_SYS_RESOURCE)))
			return -EPERM;
	}
	if (old_limit && copy_to_user(old_limit, &old, sizeof(old)))
		return -EFAULT;
	if (new_limit)
		p->rlimits[res] = nl;
	return 0;
}

long sys_getrlimit(unsigned res, u64 out)
{
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit_k r = limit_of(proc_current(), res);
	return copy_to_user(out, &r, sizeof(r));
}

long sys_setrlimit(unsigned res, u64 limit) { return limit ? sys_prlimit64(0, res, limit, 0) : -EFAULT; }

#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37

static long put_int(u64 addr, int v) { return copy_to_user(addr, &v, sizeof(v)); }

long sys_prctl(int option, u64 arg2, u64 arg3, u64 arg4, u64 arg5)
{
	(void)arg3, (void)arg4, (void)arg5; /* unused by the options kept */
	struct proc *p = proc_current();
	switch (option) {
	case PR_SET_PDEATHSIG:
		if (arg2 > NSIG)
			return -EINVAL;
		p->pdeath_signal = (int)arg2;
		return 0;
	case PR_GET_PDEATHSIG:
		return put_int(arg2, p->pdeath_signal);
	case PR_SET_DUMPABLE:
		if (arg2 > 1)
			return -EINVAL;
		p->dumpable = arg2 == 1;
		return 0;
	case PR_GET_DUMPABLE:
		return p->dumpable;
	case PR_SET_CHILD_SUBREAPER:
		p->subreaper = arg2 != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return put_int(arg2, p->subreaper);
	}
	if (option == PR_SET_NAME) {
		char name[16];
		for (int i = 0; i < 16; i++) {
			if (copy_from_user(&name[i], arg2 + (u64)i, 1))
				return -EFAULT;
			if (!name[i])
				break;
		}
		name[15] = 0;
		memcpy(proc_current()->comm, name, 16);
		return 0;
	}
	if (option == PR_GET_NAME)
		return copy_to_user(arg2, proc_current()->comm, 16);
	return -EINVAL;
}

long sys_sched_yield(void)
{
	sched_yield_now();
	return 0;
}

long sys_sched_getaffinity(int pid, unsigned len, u64 mask)
{
	struct proc *p = pid ? proc_find(pid) : proc_current();
	if (!p || p->state != PROC_ALIVE)
		return -ESRCH;
	if (len < 8 || (len & 7))
		return -EINVAL;
	u64 one = 1;
	if (copy_to_user(mask, &one, 8))
		return -EFAULT;
	return 8;
}
