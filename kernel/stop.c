/* Job control: a stop signal's default action stops every thread of the process until SIGCONT;
 * the parent learns of both (SIGCHLD unless SA_NOCLDSTOP, and wait with WUNTRACED/WCONTINUED).
 * As Linux, SIGTSTP, SIGTTIN and SIGTTOU do not stop a process group that no shell controls
 * (orphaned), and pid 1, which nothing could continue, is not stopped. */
#include "log.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"

/* A group is orphaned when no member has a parent outside it in the same session. */
static bool group_orphaned(int pgid)
{
	for (struct proc *p = proc_first(); p; p = p->next) {
		struct proc *parent = p->parent;
		if (p->pgid == pgid && p->state == PROC_ALIVE && parent && parent->pgid != pgid && parent->sid == p->sid)
			return false;
	}
	return true;
}

/* SIGCHLD (CLD_STOPPED or CLD_CONTINUED) to p's parent, unless it asked for SA_NOCLDSTOP. */
static void tell_parent(struct proc *p, int code, int status)
{
	struct proc *parent = p->parent;
	if (!parent || parent->state != PROC_ALIVE)
		return;
	waitq_wake_all(&parent->child_exit);
	if (parent->sighand->actions[SIGCHLD - 1].flags & SA_NOCLDSTOP)
		return;
	struct siginfo_k info = { .signo = SIGCHLD, .code = code };
	info.child.pid = p->pid;
	info.child.uid = p->cred.uid.r;
	info.child.status = status;
	signal_send(parent, &info);
}

void proc_stop_wait(void)
{
	struct proc *p = current->proc;
	while (p->stopped && !p->exiting && !current->killed)
		sched_block(&p->stop_wait, 0, false);
}

void proc_stop(int sig, bool from_terminal)
{
	struct proc *p = current->proc;
	if (sig != SIGSTOP && group_orphaned(p->pgid))
		return;
	if (p->pid == INIT_PID) {
		if (!from_terminal)
			kwarn("%s: pid 1 is not stopped (nothing could continue it)", signal_name(sig));
		return;
	}
	if (!p->stopped) {
		p->stopped = true;
		p->stop_signal = sig;
		p->wait_report = REPORT_STOPPED;
		for (struct thread *t = p->thread_list; t; t = t->proc_next)
			if (t != current)
				sched_signal_wake(t); /* they stop on their way out of the kernel */
		tell_parent(p, CLD_STOPPED, sig);
	}
	proc_stop_wait();
}

void proc_continue(struct proc *p)
{
	if (!p->stopped)
		return;
	p->stopped = false;
	p->wait_report = REPORT_CONTINUED;
	waitq_wake_all(&p->stop_wait);
	tell_parent(p, CLD_CONTINUED, SIGCONT);
}
