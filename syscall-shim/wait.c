/* Timeouts and temporary signal masks of the waiting calls (see wait.h). */
#include "wait.h"
#include "sched.h"
#include "errno.h"
#include "signal.h"
#include "process.h"
#include "uaccess.h"

#define NS 1000000000UL

struct timespec_k {
	i64 sec, nsec;
};

long timespec_in(u64 uts, u64 *ns)
{
	struct timespec_k ts;
	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || (u64)ts.nsec >= NS)
		return -EINVAL;
	*ns = (u64)ts.sec > ~0UL / NS - 1 ? ~0UL / 2 : (u64)ts.sec * NS + (u64)ts.nsec;
	return 0;
}

long wait_deadline(u64 utimeout, u64 *deadline)
{
	u64 ns;
	*deadline = 0;
	if (!utimeout)
		return 0;
	long err = timespec_in(utimeout, &ns);
	if (!err)
		*deadline = clock_monotonic_ns() + ns;
	return err;
}

long wait_time_left(u64 uaddr, u64 deadline, bool usec)
{
	u64 now = clock_monotonic_ns(), left = deadline > now ? deadline - now : 0;
	struct timespec_k t = { (i64)(left / NS), (i64)(left % NS) };
	if (usec)
		t.nsec /= 1000;
	return copy_to_user(uaddr, &t, sizeof(t));
}

long wait_mask_begin(u64 umask, u64 sigsetsize, u64 *old)
{
	*old = current->sig.blocked;
	if (!umask)
		return 0;
	u64 mask;
	if (sigsetsize != 8)
		return -EINVAL;
	if (copy_from_user(&mask, umask, 8))
		return -EFAULT;
	current->sig.blocked = mask & ~UNBLOCKABLE;
	return 0;
}

void wait_mask_end(u64 umask, u64 old, long result)
{
	if (!umask)
		return;
	if (result == -EINTR || result == -ERESTARTNOHAND) {
		current->sig.saved_mask = old;
		current->sig.restore_mask = true;
	} else {
		current->sig.blocked = old;
	}
}
