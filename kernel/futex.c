/* Futex waits and wakes: every waiter sits on one queue in arrival order, tagged with its word's
 * address and bitset. The kernel is not preempted, so reading the word and going to sleep cannot
 * miss a wake from another thread. */
#include "futex.h"
#include "errno.h"
#include "sched.h"
#include "uaccess.h"

static struct waitq waiters;

long futex_wait(u64 uaddr, u32 val, u32 bitset, u64 deadline)
{
	u32 cur;
	if (copy_from_user(&cur, uaddr, 4))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	current->futex_addr = uaddr;
	current->futex_bitset = bitset;
	switch (sched_block(&waiters, deadline, true)) {
	case WAKE_UP:
		return 0;
	case WAKE_TIMEOUT:
		return -ETIMEDOUT;
	default:
		/* as Linux: an untimed wait restarts after a SA_RESTART handler, a timed one says EINTR */
		return deadline ? -EINTR : -ERESTARTSYS;
	}
}

long futex_wake(u64 uaddr, int n, u32 bitset)
{
	int woken = 0;
	for (struct thread *t = waiters.head, *next; t; t = next) {
		next = t->wq_next;
		if (t->futex_addr != uaddr || !(t->futex_bitset & bitset))
			continue;
		sched_wake(t, WAKE_UP);
		if (++woken >= n)
			break;
	}
	return woken;
}

long futex_requeue(u64 uaddr, int nwake, int nrequeue, u64 uaddr2)
{
	int count = 0;
	for (struct thread *t = waiters.head, *next; t; t = next) {
		next = t->wq_next;
		if (count - nwake >= nrequeue)
			break;
		if (t->futex_addr != uaddr)
			continue;
		if (++count <= nwake)
			sched_wake(t, WAKE_UP);
		else
			t->futex_addr = uaddr2;
	}
	return count;
}
