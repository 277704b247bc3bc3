/* Process and thread identity, exit, TLS, resource limits, futex: one process with one thread. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "uaccess.h"
#include "x86.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define RLIMIT_STACK 3
#define RLIMIT_NOFILE 7
#define RLIM_INFINITY (~0UL)
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_CMD_MASK 0x7f /* without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME */

long sys_exit(long status) { proc_exit((int)status); }

long sys_exit_group(long status) { proc_exit((int)status); }

long sys_getpid(void) { return 1; }
long sys_gettid(void) { return 1; }
long sys_getppid(void) { return 0; }

long sys_arch_prctl(long code, u64 addr)
{
	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;
		if (code == ARCH_SET_FS) {
			proc.fs_base = addr;
			wrmsr(MSR_FS_BASE, addr);
		} else {
			proc.gs_base = addr;
			wrmsr(MSR_KERNEL_GS_BASE, addr); /* the user's GS base while we run after swapgs */
		}
		return 0;
	case ARCH_GET_FS:
		return copy_to_user(addr, &proc.fs_base, 8);
	case ARCH_GET_GS:
		return copy_to_user(addr, &proc.gs_base, 8);
	default:
		return -EINVAL;
	}
}

long sys_set_tid_address(u64 tidptr)
{
	proc.clear_child_tid = tidptr;
	return 1;
}

long sys_set_robust_list(u64 head, u64 len)
{
	if (len != 24)
		return -EINVAL;
	proc.robust_list = head;
	return 0;
}

/* Returns -ENOSYS on purpose: glibc and others then run without restartable sequences. */
long sys_rseq(void) { return -ENOSYS; }

static struct rlimit_k default_limit(int res)
{
	struct rlimit_k r = proc.rlimits[res];
	if (r.cur != RLIM_INFINITY || r.max != RLIM_INFINITY)
		return r;
	if (res == RLIMIT_STACK)
		return (struct rlimit_k){ STACK_SIZE, RLIM_INFINITY };
	if (res == RLIMIT_NOFILE)
		return (struct rlimit_k){ 1024, 4096 };
	return r;
}

long sys_prlimit64(long pid, long res, u64 new_limit, u64 old_limit)
{
	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (res < 0 || res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit_k old = default_limit((int)res), nl;
	if (new_limit) {
		if (copy_from_user(&nl, new_limit, sizeof(nl)))
			return -EFAULT;
		if (nl.cur > nl.max)
			return -EINVAL;
	}
	if (old_limit && copy_to_user(old_limit, &old, sizeof(old)))
		return -EFAULT;
	if (new_limit)
		proc.rlimits[res] = nl; /* recorded and reported back; not enforced */
	return 0;
}

long sys_getrlimit(long res, u64 out)
{
	if (res < 0 || res >= RLIM_NLIMITS)
		return -EINVAL;
	struct rlimit_k r = default_limit((int)res);
	return copy_to_user(out, &r, sizeof(r));
}

long sys_setrlimit(long res, u64 limit) { return limit ? sys_prlimit64(0, res, limit, 0) : -EFAULT; }

#define PR_SET_NAME 15
#define PR_GET_NAME 16

static char thread_name[16] = "app";

long sys_prctl(long option, u64 arg2)
{
	if (option == PR_SET_NAME) {
		char name[16];
		for (int i = 0; i < 16; i++) {
			if (copy_from_user(&name[i], arg2 + (u64)i, 1))
				return -EFAULT;
			if (!name[i])
				break;
		}
		name[15] = 0;
		memcpy(thread_name, name, 16);
		return 0;
	}
	if (option == PR_GET_NAME)
		return copy_to_user(arg2, thread_name, 16);
	return -EINVAL;
}

long sys_sched_yield(void) { return 0; }

long sys_sched_getaffinity(long pid, u64 len, u64 mask)
{
	if (pid != 0 && pid != 1)
		return -ESRCH;
	if (len < 8 || (len & 7))
		return -EINVAL;
	u64 one = 1;
	if (copy_to_user(mask, &one, 8))
		return -EFAULT;
	return 8;
}

struct timespec_k {
	i64 sec, nsec;
};

/* One thread: a wake finds no waiter; a wait either fails at once or can only end by timeout. */
long sys_futex(u64 uaddr, long op, long val, u64 timeout)
{
	long cmd = op & FUTEX_CMD_MASK;
	if (cmd == FUTEX_WAKE || cmd == FUTEX_WAKE_BITSET)
		return 0;
	if (cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	u32 cur;
	if (uaddr & 3)
		return -EINVAL;
	if (copy_from_user(&cur, uaddr, 4))
		return -EFAULT;
	if (cur != (u32)val)
		return -EAGAIN;
	if (!timeout) {
		kerr("deadlock: futex wait on %lx with no other thread to wake it", uaddr);
		proc_exit(128 + 6);
	}
	struct timespec_k ts;
	if (copy_from_user(&ts, timeout, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
		return -EINVAL;
	u64 ns = (u64)ts.sec * 1000000000UL + (u64)ts.nsec;
	/* FUTEX_WAIT takes a relative timeout, FUTEX_WAIT_BITSET an absolute one */
	u64 deadline = cmd == FUTEX_WAIT ? clock_monotonic_ns() + ns
			: (op & 256) ? ns - MIN(ns, clock_realtime_ns() - clock_monotonic_ns()) : ns;
	sleep_until(deadline, NULL);
	return -ETIMEDOUT;
}
