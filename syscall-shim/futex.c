/* futex(2): WAIT, WAKE, the bitset forms, REQUEUE and CMP_REQUEUE, with timeouts (relative for
 * WAIT, absolute on CLOCK_MONOTONIC or CLOCK_REALTIME for WAIT_BITSET). Private and shared futexes
 * behave alike (one address space). PI futexes and WAKE_OP are not implemented (ENOSYS). */
#include "sched.h"
#include "errno.h"
#include "syscalls.h"
#include "uaccess.h"
#include "wait.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
/* The monotonic deadline of a wait; 0 for none. */
static long deadline_of(int cmd, int op, u64 utime, u64 *deadline)
{
	u64 ns;
	*deadline = 0;
	if (!utime)
		return 0;
	long err = timespec_in(utime, &ns);
	if (err)
		return err;
	u64 mono = clock_monotonic_ns();
	if (cmd == FUTEX_WAIT)
		*deadline = mono + ns;
	else if (op & FUTEX_CLOCK_REALTIME)
		*deadline = mono + (ns > clock_realtime_ns() ? ns - clock_realtime_ns() : 0);
	else
		*deadline = ns;
	*deadline = MAX(*deadline, 1); /* 0 means "no timeout" */
	return 0;
}

long sys_futex(u64 uaddr, int op, unsigned val, u64 utime, u64 uaddr2, unsigned val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	u32 bitset = cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAKE_BITSET ? val3 : FUTEX_BITSET_ANY;
	if (!bitset)
		return -EINVAL;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET: {
		u64 deadline;
		long err = deadline_of(cmd, op, utime, &deadline);
		if (err)
			return err;
		if (uaddr & 3)
			return -EINVAL;
		return futex_wait(uaddr, val, bitset, deadline);
	}
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET:
		return uaddr & 3 ? -EINVAL : futex_wake(uaddr, (int)val, bitset); /* a count, as an int */
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE: {
		int nwake = (int)val, nrequeue = (int)utime; /* the timeout argument carries a count */
		if (nwake < 0 || nrequeue < 0 || (uaddr & 3) || (uaddr2 & 3))
			return -EINVAL;
		if (cmd == FUTEX_CMP_REQUEUE) {
			u32 cur;
			if (copy_from_user(&cur, uaddr, 4))
				return -EFAULT;
			if (cur != val3)
				return -EAGAIN;
		}
		return futex_requeue(uaddr, nwake, nrequeue, uaddr2);
	}
	default:
		return -ENOSYS;
	}
}
