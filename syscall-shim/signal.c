/* Signal syscalls: dispositions, the mask, sending to processes, groups and threads, waiting,
 * the alternate stack and rt_sigreturn. Delivery itself is in kernel/signal*.c. Ids, signal
 * numbers and `how` are C ints in Linux's prototypes and the catalog: only the low 32 bits count.
 * Waits block the calling thread; one that nothing could ever end (every thread blocked, no
 * timer) stops the app as a deadlock (kernel/sched.c). */
#include "sched.h"
#include "errno.h"
#include "log.h"
#include "process.h"
#include "signal.h"
#include "creds.h"
#include "syscalls.h"
#include "uaccess.h"
#include "wait.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

long sys_rt_sigaction(int sig, u64 act, u64 oldact, u64 sigsetsize)
{
	if (sigsetsize != 8)
		return -EINVAL;
	if (sig < 1 || sig > NSIG || (act && (sig == SIGKILL || sig == SIGSTOP)))
		return -EINVAL;
	struct sigaction_k *slot = &proc_current()->sighand->actions[sig - 1], next;
	if (act && copy_from_user(&next, act, sizeof(next)))
		return -EFAULT;
	if (oldact && copy_to_user(oldact, slot, sizeof(*slot)))
		return -EFAULT;
	if (act) {
		next.mask &= ~UNBLOCKABLE;
		*slot = next;
		signal_action_changed(sig);
	}
	return 0;
}

/* Unblocked pending signals are delivered on the way back to the app (syscall_dispatch). */
long sys_rt_sigprocmask(int how, u64 set, u64 oldset, u64 sigsetsize)
{
	if (sigsetsize != 8)
		return -EINVAL;
	u64 old = current->sig.blocked, s = 0;
	if (set) {
		if (copy_from_user(&s, set, 8))
			return -EFAULT;
		if (how == SIG_BLOCK)
			current->sig.blocked |= s;
		else if (how == SIG_UNBLOCK)
			current->sig.blocked &= ~s;
		else if (how == SIG_SETMASK)
			current->sig.blocked = s;
		else
			return -EINVAL;
		current->sig.blocked &= ~UNBLOCKABLE;
	}
	if (oldset && copy_to_user(oldset, &old, 8))
		return -EFAULT;
	return 0;
}

long sys_rt_sigpending(u64 set, u64 sigsetsize)
{
	if (sigsetsize > 8)
		return -EINVAL;
	u64 pending = (current->sig.own.set | proc_current()->pending.set) & current->sig.blocked;
	return copy_to_user(set, &pending, sigsetsize);
}

long sys_rt_sigreturn(void) { return signal_return(current_regs); }

/* The siginfo of a signal sent by the calling process. */
static struct siginfo_k sent(int sig, int code)
{
	struct siginfo_k info = { .signo = sig, .code = code };
	info.kill.pid = proc_current()->pid;
	info.kill.uid = proc_current()->cred.uid.r;
	return info;
}

/* As Linux: a process may signal one whose real or saved uid is its real or effective uid, any
 * with CAP_KILL, and SIGCONT goes to any process of its session. */
static bool may_signal(const struct proc *self, const struct proc *p, int sig)
{
	const struct ids *me = &self->cred.uid, *them = &p->cred.uid;
	return cred_capable(CAP_KILL) || me->e == them->r || me->e == them->s || me->r == them->r || me->r == them->s ||
	       (sig == SIGCONT && self->sid == p->sid);
}

static long send(struct thread *t, int sig, int code)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (!may_signal(proc_current(), t->proc, sig))
		return -EPERM;
	if (sig == 0)
		return 0; /* only "does the target exist" */
	struct siginfo_k info = sent(sig, code);
	return signal_send_thread(t, &info) ? 0 : -EAGAIN;
}

/* kill(2): a process (pid > 0), the caller's group (0), every process but pid 1 and the caller
 * (-1), or a group (< -1); EPERM when none of them may be signalled. As Linux, the targets are
 * looked up before the signal number is checked. */
long sys_kill(int pid, int sig)
{
	struct proc *self = proc_current(), *target = NULL;
	if (pid > 0) {
		struct thread *t = (target = proc_find(pid)) ? NULL : thread_find(pid);
		if (t)
			target = t->proc; /* a thread's id names its process too */
		if (!target)
			return -ESRCH;
	}
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	struct siginfo_k info = sent(sig, SI_USER);
	if (target) { /* a zombie is found too (its pid lives until it is reaped) and takes nothing */
		if (!may_signal(self, target, sig))
			return -EPERM;
		return sig && !signal_send(target, &info) ? -EAGAIN : 0;
	}
	if (pid == INT32_MIN) /* -pid would overflow */
		return -ESRCH;
	int group = pid == 0 ? self->pgid : -pid, found = 0, allowed = 0;
	for (struct proc *p = proc_first(); p; p = p->next) {
		if (pid == -1 ? p->pid != INIT_PID && p != self : p->pgid == group) {
			found++;
			if (!may_signal(self, p, sig))
				continue;
			allowed++;
			if (sig)
				signal_send(p, &info);
		}
	}
	return !found ? -ESRCH : !allowed ? -EPERM : 0;
}

long sys_tkill(int tid, int sig)
{
	if (tid <= 0)
		return -EINVAL;
	struct thread *t = thread_find(tid);
	return t ? send(t, sig, SI_TKILL) : -ESRCH;
}

long sys_tgkill(int tgid, int tid, int sig)
{
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	struct thread *t = thread_find(tid);
	return t && t->proc->pid == tgid ? send(t, sig, SI_TKILL) : -ESRCH;
}

/* sigqueue(3): the app's own siginfo, with the same limits as Linux on forged si_code values. */
long sys_rt_sigqueueinfo(int pid, int sig, u64 uinfo)
{
	struct siginfo_k info;
	if (copy_from_user(&info, uinfo, sizeof(info)))
		return -EFAULT;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	/* as Linux: only the kernel may claim to be kill() or tgkill() towards another process */
	if (pid != proc_current()->pid && (info.code >= 0 || info.code == SI_TKILL))
		return -EPERM;
	struct proc *p = proc_find(pid);
	if (!p || p->state != PROC_ALIVE)
		return -ESRCH;
	if (!may_signal(proc_current(), p, sig))
		return -EPERM;
	if (sig == 0)
		return 0;
	info.signo = sig;
	return signal_send(p, &info) ? 0 : -EAGAIN;
}

/* pthread_sigqueue(3): the same, to one thread */
long sys_rt_tgsigqueueinfo(int tgid, int tid, int sig, u64 uinfo)
{
	struct siginfo_k info;
	if (tgid <= 0 || tid <= 0)
		return -EINVAL;
	if (copy_from_user(&info, uinfo, sizeof(info)))
		return -EFAULT;
	if ((info.code >= 0 || info.code == SI_TKILL) && tid != current->tid)
		return -EPERM;
	struct thread *t = thread_find(tid);
	if (!t || t->proc->pid != tgid)
		return -ESRCH;
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (!may_signal(proc_current(), t->proc, sig))
		return -EPERM;
	if (sig == 0)
		return 0;
	info.signo = sig;
	return signal_send_thread(t, &info) ? 0 : -EAGAIN;
}

long sys_sigaltstack(u64 uss, u64 uoss)
{
	u64 sp = current_regs->rsp;
	struct stack_k old, ss;
	signal_get_altstack(sp, &old);
	if (uss) {
		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		long err = signal_set_altstack(sp, &ss);
		if (err)
			return err;
	}
	if (uoss && copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	return 0;
}

/* Sleeps until a signal the thread does not block is pending. */
static void wait_for_signal(void)
{
	while (sched_sleep(0, true) != WAKE_SIGNAL)
		;
}

/* Waits with a temporary mask; a handler runs, then the old mask is back (signal_deliver). */
long sys_rt_sigsuspend(u64 umask, u64 sigsetsize)
{
	u64 mask;
	if (sigsetsize != 8)
		return -EINVAL;
	if (copy_from_user(&mask, umask, 8))
		return -EFAULT;
	current->sig.saved_mask = current->sig.blocked;
	current->sig.restore_mask = true;
	current->sig.blocked = mask & ~UNBLOCKABLE;
	wait_for_signal();
	return -ERESTARTNOHAND;
}

long sys_pause(void)
{
	wait_for_signal();
	return -ERESTARTNOHAND;
}

/* sigwaitinfo/sigtimedwait: takes a pending signal of the set, blocked or not, waiting for one
 * with the set unblocked meanwhile (so a signal of the set wakes this thread), as Linux. */
long sys_rt_sigtimedwait(u64 uset, u64 uinfo, u64 utimeout, u64 sigsetsize)
{
	u64 set, ns = 0;
	if (sigsetsize != 8)
		return -EINVAL;
	if (copy_from_user(&set, uset, 8))
		return -EFAULT;
	long err = utimeout ? timespec_in(utimeout, &ns) : 0;
	if (err)
		return err;
	set &= ~UNBLOCKABLE;
	struct siginfo_k info;
	if (!signal_dequeue(set, &info)) {
		u64 deadline = utimeout ? clock_monotonic_ns() + MAX(ns, 1) : 0;
		u64 blocked = current->sig.blocked;
		current->sig.blocked &= ~set;
		enum wake_reason why = sched_sleep(deadline, true);
		current->sig.blocked = blocked;
		if (!signal_dequeue(set, &info))
			return why == WAKE_TIMEOUT ? -EAGAIN : -EINTR;
	}
	if (uinfo && copy_to_user(uinfo, &info, sizeof(info)))
		return -EFAULT;
	return info.signo;
}
