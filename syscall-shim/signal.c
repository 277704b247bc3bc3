/* Signal dispositions and the mask are recorded and reported back; nothing is delivered yet
 * (a fault still ends the app with 128+signal). */
#include "errno.h"
#include "proc.h"
#include "uaccess.h"

#define SIGKILL 9
#define SIGSTOP 19
#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define UNBLOCKABLE ((1UL << (SIGKILL - 1)) | (1UL << (SIGSTOP - 1)))

long sys_rt_sigaction(long sig, u64 act, u64 oldact, u64 sigsetsize)
{
	if (sigsetsize != 8)
		return -EINVAL;
	if (sig < 1 || sig > NSIG || (act && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	struct sigaction_k *slot = &proc.sigactions[sig - 1], next;
	if (act && copy_from_user(&next, act, sizeof(next)))
		return -EFAULT;
	if (oldact && copy_to_user(oldact, slot, sizeof(*slot)))
		return -EFAULT;
	if (act) {
		next.mask &= ~UNBLOCKABLE;
		*slot = next;
	}
	return 0;
}

long sys_rt_sigprocmask(long how, u64 set, u64 oldset, u64 sigsetsize)
{
	if (sigsetsize != 8)
		return -EINVAL;
	u64 old = proc.sigmask, s = 0;
	if (set) {
		if (copy_from_user(&s, set, 8))
			return -EFAULT;
		if (how == SIG_BLOCK)
			proc.sigmask |= s;
		else if (how == SIG_UNBLOCK)
			proc.sigmask &= ~s;
		else if (how == SIG_SETMASK)
			proc.sigmask = s;
		else
			return -EINVAL;
		proc.sigmask &= ~UNBLOCKABLE;
	}
	if (oldset && copy_to_user(oldset, &old, 8))
		return -EFAULT;
	return 0;
}
