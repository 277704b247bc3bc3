/* Pending signals and delivery: the queue (standard signals coalesce, real-time signals queue
 * with their siginfo), default actions, and the loop run on every return to user mode. */
#include "signal.h"
#include "errno.h"
#include "log.h"
#include "mm.h"
#include "vma.h"
#include "proc.h"
#include "sched.h"
#include "signal_frame.h"
#include "symbols.h"
#include "trace.h"

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

struct sighand *sighand_new(void)
{
	struct sighand *h = kzalloc(sizeof(*h));
	if (h)
		h->refs = 1;
	return h;
}

struct sighand *sighand_copy(const struct sighand *from)
{
	struct sighand *h = kmalloc(sizeof(*h));
	if (h) {
		*h = *from;
		h->refs = 1;
	}
	return h;
}

void sighand_put(struct sighand *h)
{
	if (!--h->refs)
		kfree(h);
}

void sighand_reset_caught(struct sighand *h)
{
	for (int i = 0; i < NSIG; i++) {
		u64 handler = h->actions[i].handler;
		h->actions[i] = (struct sigaction_k){ .handler = handler == SIG_IGN ? SIG_IGN : SIG_DFL };
	}
}

bool signal_ignored(const struct proc *p, int sig)
{
	u64 h = p->sighand->actions[sig - 1].handler;
	return h == SIG_IGN || (h == SIG_DFL && (DEFAULT_IGNORE & sigbit(sig)));
}

static bool enqueue(struct sigqueue_k *q, const struct siginfo_k *info)
{
	int sig = info->signo;
	if (sig < 32 && (q->set & sigbit(sig)))
		return true; /* standard signals coalesce */
	if (sig >= 32 && q->nqueued == SIGQUEUE_LEN)
		return false;
	struct sigpending_k *e = kmalloc(sizeof(*e));
	if (!e)
		return sig < 32; /* out of memory: a standard signal is lost, as when it coalesces */
	e->next = NULL;
	e->info = *info;
	if (q->last)
		q->last->next = e;
	else
		q->first = e;
	q->last = e;
	q->nqueued += sig >= 32;
	q->set |= sigbit(sig);
	return true;
}

/* Removes the lowest-numbered signal of set (the first queued instance of it). */
static bool take(struct sigqueue_k *q, u64 set, struct siginfo_k *out)
{
	u64 ready = q->set & set;
	if (!ready)
		return false;
	int sig = __builtin_ctzl(ready) + 1;
	struct sigpending_k **link = &q->first, *prev = NULL;
	while ((*link)->info.signo != sig) {
		prev = *link;
		link = &(*link)->next;
	}
	struct sigpending_k *e = *link;
	*link = e->next;
	if (q->last == e)
		q->last = prev;
	*out = e->info;
	kfree(e);
	q->nqueued -= sig >= 32;
	bool more = false;
	for (struct sigpending_k *i = q->first; i && !more; i = i->next)
		more = i->info.signo == sig;
	if (!more)
		q->set &= ~sigbit(sig);
	return true;
}

void sigqueue_clear(struct sigqueue_k *q)
{
	struct siginfo_k dropped;
	while (take(q, ~0UL, &dropped))
		;
}

/* Whether the signal is dropped at once: ignored and not blocked (a blocked one stays pending,
 * the disposition may change first). SIGKILL does not queue: the process ends. */
static bool refused(struct proc *p, const struct siginfo_k *info, u64 blocked)
{
	if (info->signo == SIGKILL) {
		proc_kill(p, SIGKILL);
		return true;
	}
	return !(blocked & sigbit(info->signo)) && signal_ignored(p, info->signo);
}

bool signal_send_thread(struct thread *t, const struct siginfo_k *info)
{
	if (refused(t->proc, info, t->sig.blocked))
		return true;
	if (!enqueue(&t->sig.own, info))
		return false;
	if (!(t->sig.blocked & sigbit(info->signo)))
		sched_signal_wake(t);
	return true;
}

/* As Linux, the current thread takes a process-directed signal when it can, else the first
 * thread that does not block it. */
static struct thread *taker(struct proc *p, int sig)
{
	if (current && current->proc == p && current->state != T_DEAD && !(current->sig.blocked & sigbit(sig)))
		return current;
	for (struct thread *t = p->thread_list; t; t = t->proc_next)
		if (!(t->sig.blocked & sigbit(sig)))
			return t;
	return NULL;
}

bool signal_send(struct proc *p, const struct siginfo_k *info)
{
	if (p->state != PROC_ALIVE || p->exiting)
		return true; /* nobody left to take it */
	/* as Linux, SIGCONT continues at once and cancels pending stops; a stop cancels SIGCONT */
	if (info->signo == SIGCONT) {
		signal_discard(p, SIGSTOP), signal_discard(p, SIGTSTP), signal_discard(p, SIGTTIN), signal_discard(p, SIGTTOU);
		proc_continue(p);
	} else if (DEFAULT_STOP & sigbit(info->signo)) {
		signal_discard(p, SIGCONT);
	}
	struct thread *t = taker(p, info->signo);
	if (refused(p, info, t ? 0 : sigbit(info->signo)))
		return true;
	if (!enqueue(&p->pending, info))
		return false;
	if (t)
		sched_signal_wake(t);
	return true;
}

bool signal_dequeue(u64 set, struct siginfo_k *out)
{
	return take(&current->sig.own, set, out) || take(&current->proc->pending, set, out);
}

void signal_discard(struct proc *p, int sig)
{
	struct siginfo_k dropped;
	while (take(&p->pending, sigbit(sig), &dropped))
		;
	for (struct thread *t = p->thread_list; t; t = t->proc_next)
		while (take(&t->sig.own, sigbit(sig), &dropped))
			;
}

void signal_action_changed(int sig)
{
	struct proc *p = current->proc;
	if (signal_ignored(p, sig))
		signal_discard(p, sig);
}

u64 signal_pending_for(const struct thread *t)
{
	if (t->proc->exiting || t->killed || t->proc->stopped)
		return ~0UL; /* it must come out of any sleep, to end or stop */
	return (t->sig.own.set | t->proc->pending.set) & ~t->sig.blocked;
}

u64 signal_deliverable(void) { return signal_pending_for(current); }

static void default_action(struct regs *r, const struct siginfo_k *info)
{
	int sig = info->signo;
	u64 bit = sigbit(sig);
	if (DEFAULT_IGNORE & bit)
		return;
	if (DEFAULT_STOP & bit) {
		proc_stop(sig, info->code == SI_KERNEL);
		return;
	}
	const char *how = info->code == SI_TKILL ? "tkill/tgkill" : info->code == SI_QUEUE ? "sigqueue"
			  : info->code == SI_USER ? "kill" : "the kernel";
	struct proc *p = current->proc;
	if (DEFAULT_CORE & bit) {
		char where[160];
		symbol_describe(r->rip - p->mm->load_bias, where, sizeof(where));
		kerr("%s%s (sent by %s) with no handler, rip %lx in %s", proc_label(p), signal_name(sig), how, r->rip, where);
	} else {
		/* the first process's end is the run's result; others ending so is routine (SIGPIPE, SIGTERM) */
		klog(p->pid == INIT_PID ? LOG_QUIET : LOG_VERBOSE, "%s%s (sent by %s) with no handler: the process ends",
		     proc_label(p), signal_name(sig), how);
	}
	proc_exit(sig);
}

void signal_run_handler(struct regs *r, const struct siginfo_k *info, u64 oldmask)
{
	struct sigthread *s = &current->sig;
	struct sigaction_k *a = &current->proc->sighand->actions[info->signo - 1];
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
	if (current->proc->exiting || current->killed)
		thread_exit(0);
	if (current->proc->stopped)
		proc_stop_wait();
	while (signal_dequeue(~s->blocked, &info)) {
		if (trace_on)
			trace_signal(&info);
		struct sigaction_k *a = &current->proc->sighand->actions[info.signo - 1];
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
