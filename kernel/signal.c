/* Pending signals and delivery: the queue (standard signals coalesce, real-time signals queue
 * with their siginfo), default actions, and the loop run on every return to user mode. */
#include "signal.h"
#include "errno.h"
#include "log.h"
#include "proc.h"
#include "sched.h"
#include "signal_frame.h"
#include "symbols.h"

static const char *const names[32] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM", [16] = "SIGSTKFLT",
	[SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT", [SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN", [SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [26] = "SIGVTALRM", [27] = "SIGPROF", [SIGWINCH] = "SIGWINCH",
	[29] = "SIGIO", [30] = "SIGPWR", [SIGSYS] = "SIGSYS",
};

const char *signal_name(int sig)
{
	if (sig > 0 && sig < 32 && names[sig])
		return names[sig];
	return sig >= 32 && sig <= NSIG ? "real-time signal" : "signal";
}

/* Default actions (signal(7)); every other signal terminates. */
#define DEFAULT_CORE (sigbit(SIGQUIT) | sigbit(SIGILL) | sigbit(SIGTRAP) | sigbit(SIGABRT) | sigbit(SIGBUS) | \
		      sigbit(SIGFPE) | sigbit(SIGSEGV) | sigbit(SIGXCPU) | sigbit(SIGXFSZ) | sigbit(SIGSYS))
#define DEFAULT_IGNORE (sigbit(SIGCHLD) | sigbit(SIGURG) | sigbit(SIGWINCH) | sigbit(SIGCONT))
#define DEFAULT_STOP (sigbit(SIGSTOP) | sigbit(SIGTSTP) | sigbit(SIGTTIN) | sigbit(SIGTTOU))

static bool ignored(int sig)
{
	u64 h = proc.sig.actions[sig - 1].handler;
	return h == SIG_IGN || (h == SIG_DFL && (DEFAULT_IGNORE & sigbit(sig)));
}

static bool enqueue(struct sigqueue_k *q, const struct siginfo_k *info)
{
	int sig = info->signo;
	if (sig < 32) {
		if (!(q->set & sigbit(sig)))
			q->standard[sig] = *info;
	} else {
		if (q->nqueued == SIGQUEUE_LEN)
			return false;
		q->queue[q->nqueued++] = *info;
	}
	q->set |= sigbit(sig);
	return true;
}

static bool take(struct sigqueue_k *q, u64 set, struct siginfo_k *out)
{
	u64 ready = q->set & set;
	if (!ready)
		return false;
	int sig = __builtin_ctzl(ready) + 1;
	if (sig < 32) {
		*out = q->standard[sig];
		q->set &= ~sigbit(sig);
		return true;
	}
	int i = 0, left = 0;
	while (q->queue[i].signo != sig)
		i++;
	*out = q->queue[i];
	for (int j = i + 1; j < q->nqueued; j++) {
		q->queue[j - 1] = q->queue[j];
		left += q->queue[j - 1].signo == sig;
	}
	q->nqueued--;
	if (!left)
		q->set &= ~sigbit(sig);
	return true;
}

static bool refused(const struct siginfo_k *info, u64 blocked)
{
	if (info->signo == SIGKILL) {
		kerr("SIGKILL sent by the app to itself: the app ends");
		proc_exit(128 + SIGKILL);
	}
	/* an ignored signal is dropped at once, unless blocked: the disposition may change first */
	return !(blocked & sigbit(info->signo)) && ignored(info->signo);
}

bool signal_send_thread(struct thread *t, const struct siginfo_k *info)
{
	if (refused(info, t->sig.blocked))
		return true;
	if (!enqueue(&t->sig.own, info))
		return false;
	if (!(t->sig.blocked & sigbit(info->signo)))
		sched_signal_wake(t);
	return true;
}

/* As Linux, the current thread takes a process-directed signal when it can, else the first
 * thread that does not block it. */
static struct thread *taker(int sig)
{
	if (current->state != T_DEAD && !(current->sig.blocked & sigbit(sig)))
		return current;
	for (int i = 0; i < MAX_THREADS && thread_at(i); i++) {
		struct thread *t = thread_at(i);
		if (t->state != T_DEAD && !(t->sig.blocked & sigbit(sig)))
			return t;
	}
	return NULL;
}

bool signal_send(const struct siginfo_k *info)
{
	struct thread *t = taker(info->signo);
	if (refused(info, t ? 0 : sigbit(info->signo)))
		return true;
	if (!enqueue(&proc.sig.shared, info))
		return false;
	if (t)
		sched_signal_wake(t);
	return true;
}

bool signal_dequeue(u64 set, struct siginfo_k *out)
{
	return take(&current->sig.own, set, out) || take(&proc.sig.shared, set, out);
}

void signal_discard(int sig)
{
	struct siginfo_k dropped;
	while (take(&proc.sig.shared, sigbit(sig), &dropped))
		;
	for (int i = 0; i < MAX_THREADS && thread_at(i); i++)
		while (take(&thread_at(i)->sig.own, sigbit(sig), &dropped))
			;
}

void signal_action_changed(int sig)
{
	if (ignored(sig))
		signal_discard(sig);
}

u64 signal_pending_for(const struct thread *t)
{
	return (t->sig.own.set | proc.sig.shared.set) & ~t->sig.blocked;
}

u64 signal_deliverable(void) { return signal_pending_for(current); }

static void default_action(struct regs *r, const struct siginfo_k *info)
{
	int sig = info->signo;
	u64 bit = sigbit(sig);
	if (DEFAULT_IGNORE & bit)
		return;
	if (DEFAULT_STOP & bit) {
		kwarn("%s: stopping the app is not supported; ignored", signal_name(sig));
		return;
	}
	const char *how = info->code == SI_TKILL ? "tkill/tgkill" : info->code == SI_QUEUE ? "sigqueue"
			  : info->code == SI_USER ? "kill" : "the kernel";
	if (DEFAULT_CORE & bit) {
		char where[160];
		symbol_describe(r->rip - proc.load_bias, where, sizeof(where));
		kerr("%s (sent by %s) with no handler, rip %lx in %s: the app ends", signal_name(sig), how, r->rip, where);
	} else {
		kerr("%s (sent by %s) with no handler: the app ends", signal_name(sig), how);
	}
	proc_exit(128 + sig);
}

void signal_run_handler(struct regs *r, const struct siginfo_k *info, u64 oldmask)
{
	struct sigthread *s = &current->sig;
	struct sigaction_k *a = &proc.sig.actions[info->signo - 1];
	if (!signal_setup_frame(r, info, a, oldmask))
		signal_frame_failed(r, info->signo);
	s->blocked |= a->mask | ((a->flags & SA_NODEFER) ? 0 : sigbit(info->signo));
	s->blocked &= ~UNBLOCKABLE;
	if (a->flags & SA_RESETHAND)
		a->handler = SIG_DFL;
}

/* A syscall interrupted by a signal: it runs again from the start (the same number and arguments)
 * or fails with EINTR, as Linux decides from the error and the handler's SA_RESTART. */
static bool interrupted(const struct regs *r)
{
	return r->vector == VECTOR_SYSCALL && (r->rax == (u64)-ERESTARTSYS || r->rax == (u64)-ERESTARTNOHAND);
}

static void restart(struct regs *r)
{
	r->rax = current->syscall_nr;
	r->rip -= 2; /* the syscall instruction */
}

void signal_deliver(struct regs *r)
{
	struct sigthread *s = &current->sig;
	struct siginfo_k info;
	while (signal_dequeue(~s->blocked, &info)) {
		struct sigaction_k *a = &proc.sig.actions[info.signo - 1];
		if (a->handler == SIG_IGN)
			continue;
		if (a->handler == SIG_DFL) {
			default_action(r, &info);
			continue;
		}
		if (interrupted(r)) {
			if (r->rax == (u64)-ERESTARTSYS && (a->flags & SA_RESTART))
				restart(r);
			else
				r->rax = (u64)-EINTR;
		}
		/* after rt_sigsuspend the frame holds the mask from before the call */
		signal_run_handler(r, &info, s->restore_mask ? s->saved_mask : s->blocked);
		s->restore_mask = false;
	}
	if (interrupted(r))
		restart(r); /* no handler ran */
	if (s->restore_mask) {
		s->blocked = s->saved_mask;
		s->restore_mask = false;
	}
}
