/* Pending signals and delivery: the queue (standard signals coalesce, real-time signals queue
 * with their siginfo), default actions, and the loop run on every return to user mode. */
#include "signal.h"
#include "log.h"
#include "proc.h"
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

bool signal_send(const struct siginfo_k *info)
{
	struct sigstate *s = &proc.sig;
	int sig = info->signo;
	if (sig == SIGKILL) {
		kerr("SIGKILL sent by the app to itself: the app ends");
		proc_exit(128 + SIGKILL);
	}
	/* an ignored signal is dropped at once, unless blocked: the disposition may change first */
	if (!(s->blocked & sigbit(sig)) && ignored(sig))
		return true;
	if (sig < 32) {
		if (!(s->pending & sigbit(sig)))
			s->standard[sig] = *info;
	} else {
		if (s->nqueued == SIGQUEUE_LEN)
			return false;
		s->queue[s->nqueued++] = *info;
	}
	s->pending |= sigbit(sig);
	return true;
}

bool signal_dequeue(u64 set, struct siginfo_k *out)
{
	struct sigstate *s = &proc.sig;
	u64 ready = s->pending & set;
	if (!ready)
		return false;
	int sig = __builtin_ctzl(ready) + 1;
	if (sig < 32) {
		*out = s->standard[sig];
		s->pending &= ~sigbit(sig);
		return true;
	}
	int i = 0, left = 0;
	while (s->queue[i].signo != sig)
		i++;
	*out = s->queue[i];
	for (int j = i + 1; j < s->nqueued; j++) {
		s->queue[j - 1] = s->queue[j];
		left += s->queue[j - 1].signo == sig;
	}
	s->nqueued--;
	if (!left)
		s->pending &= ~sigbit(sig);
	return true;
}

void signal_discard(int sig)
{
	struct siginfo_k dropped;
	while (signal_dequeue(sigbit(sig), &dropped))
		;
}

void signal_action_changed(int sig)
{
	if (ignored(sig))
		signal_discard(sig);
}

u64 signal_deliverable(void) { return proc.sig.pending & ~proc.sig.blocked; }

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
	struct sigstate *s = &proc.sig;
	struct sigaction_k *a = &s->actions[info->signo - 1];
	if (!signal_setup_frame(r, info, a, oldmask))
		signal_frame_failed(r, info->signo);
	s->blocked |= a->mask | ((a->flags & SA_NODEFER) ? 0 : sigbit(info->signo));
	s->blocked &= ~UNBLOCKABLE;
	if (a->flags & SA_RESETHAND)
		a->handler = SIG_DFL;
}

void signal_deliver(struct regs *r)
{
	struct sigstate *s = &proc.sig;
	struct siginfo_k info;
	while (signal_dequeue(~s->blocked, &info)) {
		struct sigaction_k *a = &s->actions[info.signo - 1];
		if (a->handler == SIG_IGN)
			continue;
		if (a->handler == SIG_DFL) {
			default_action(r, &info);
			continue;
		}
		/* after rt_sigsuspend the frame holds the mask from before the call */
		signal_run_handler(r, &info, s->restore_mask ? s->saved_mask : s->blocked);
		s->restore_mask = false;
	}
	if (s->restore_mask) {
		s->blocked = s->saved_mask;
		s->restore_mask = false;
	}
}
