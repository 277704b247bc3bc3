/* Ending processes: exit_group and fatal signals end every thread; the last thread releases what
 * the process holds, hands its children to a reaper, and leaves a zombie holding the wait status
 * until the parent reaps it (at once when the parent ignores SIGCHLD). The machine stops when no
 * process is left alive, with the first process's status. */
#include "clock.h"
#include "crash_record.h"
#include "errno.h"
#include "log.h"
#include "mm.h"
#include "net.h"
#include "proc.h"
#include "symbols.h"
#include "trace.h"
#include "thread.h"
#include "vdso.h"
#include "vfs.h"
#include "vma.h"

static int alive;            /* processes not yet ended */
static int first_status;     /* pid 1's wait status, once it has ended */

/* The status `ukify run` exits with for a wait status: the code, or 128 + the signal. */
static int exit_code(int wait_status)
{
	return wait_status & 0x7f ? 128 + (wait_status & 0x7f) : (wait_status >> 8) & 0xff;
}

void proc_made(void) { alive++; }

void proc_discard(struct proc *p)
{
	alive--;
	proc_free(p);
}

void machine_stop(int code)
{
	net_drain();
	power_off(code);
}

void proc_kill(struct proc *p, int wait_status)
{
	if (p->exiting || p->state != PROC_ALIVE)
		return;
	p->exiting = true;
	p->exit_status = wait_status;
	if (trace_on && (wait_status & 0x7f))
		trace_killed(p, wait_status & 0x7f);
	for (struct thread *t = p->thread_list; t; t = t->proc_next)
		if (t != current)
			sched_signal_wake(t);
	if (p->execing && p->execing != current)
		sched_wake(p->execing, WAKE_SIGNAL);
	waitq_wake_all(&p->stop_wait);
}

void proc_exit(int wait_status)
{
	proc_kill(current->proc, wait_status);
	thread_exit(0);
}

void proc_fatal_signal(struct regs *r, int sig, const char *what, u64 addr)
{
	struct proc *p = current->proc;
	char where[160];
	symbol_describe(r->rip - p->mm->load_bias, where, sizeof(where));
	kerr("%s%s (%s) at address %lx, rip %lx in %s", proc_label(p), signal_name(sig), what, addr, r->rip, where);
	dump_regs(r);
	crash_record(r, sig);
	proc_exit(sig);
}

/* Who takes p's children: its nearest living ancestor that is a subreaper, else pid 1 while it
 * lives; NULL when nobody can (they are then reaped as soon as they end). */
static struct proc *reaper_for(struct proc *p)
{
	for (struct proc *a = p->parent; a; a = a->parent)
		if (a->subreaper && a->state == PROC_ALIVE && !a->exiting)
			return a;
	struct proc *init = proc_find(INIT_PID);
	return init && init != p && init->state == PROC_ALIVE && !init->exiting ? init : NULL;
}

void proc_unlink_child(struct proc *c)
{
	if (!c->parent)
		return;
	struct proc **link = &c->parent->children;
	while (*link != c)
		link = &(*link)->sibling;
	*link = c->sibling;
	c->parent = NULL;
}

void proc_reap(struct proc *c)
{
	proc_unlink_child(c);
	proc_free(c);
}

/* Whether a child's end is reaped at once: the parent ignores SIGCHLD or asked for SA_NOCLDWAIT. */
static bool autoreaped(const struct proc *parent)
{
	const struct sigaction_k *a = &parent->sighand->actions[SIGCHLD - 1];
	return a->handler == SIG_IGN || (a->flags & SA_NOCLDWAIT);
}

void proc_child_siginfo(const struct proc *c, struct siginfo_k *info)
{
	int st = c->exit_status;
	info->errno_ = 0;
	info->code = st & 0x7f ? CLD_KILLED : CLD_EXITED;
	info->child.pid = c->pid;
	info->child.uid = c->cred.uid.r;
	info->child.status = st & 0x7f ? st & 0x7f : (st >> 8) & 0xff;
	info->child.utime = (i64)(c->cpu_ns / (1000000000UL / USER_HZ));
	info->child.stime = 0;
}

/* Tells c's parent that c ended (SIGCHLD with its siginfo, waiters woken) or reaps c. */
static void notify_parent(struct proc *c)
{
	struct proc *parent = c->parent;
	if (!parent || parent->state != PROC_ALIVE) {
		proc_reap(c);
		return;
	}
	waitq_wake_all(&parent->child_exit);
	if (c->exit_signal) {
		struct siginfo_k info = { .signo = c->exit_signal };
		proc_child_siginfo(c, &info);
		signal_send(parent, &info);
	}
	if (autoreaped(parent))
		proc_reap(c);
}

static void hand_over_children(struct proc *p)
{
	struct proc *reaper = reaper_for(p);
	while (p->children) {
		struct proc *c = p->children;
		if (c->pdeath_signal && c->state == PROC_ALIVE) {
			struct siginfo_k info = { .signo = c->pdeath_signal, .code = SI_USER };
			info.kill.pid = p->pid;
			signal_send(c, &info);
		}
		proc_unlink_child(c);
		c->parent = reaper;
		if (reaper) {
			c->sibling = reaper->children;
			reaper->children = c;
		}
		if (c->state == PROC_ZOMBIE)
			notify_parent(c);
	}
}

void proc_end(struct proc *p)
{
	proc_vfork_done(p);
	fdtable_put(p->files);
	fs_context_put(p->fs);
	mm_put(p->mm);
	sigqueue_clear(&p->pending);
	p->files = NULL, p->fs = NULL, p->mm = NULL;
	p->alarm_at = 0;
	p->state = PROC_ZOMBIE;
	alive--;
	hand_over_children(p);
	vdso_ids_changed(); /* its children's parent, and an address space it shared */
	if (p->pid == INIT_PID) {
		first_status = p->exit_status;
		if (alive)
			kwarn("pid 1 (%s) exited with status %d; the VM runs until the other %d process%s",
			      p->comm, exit_code(first_status), alive, alive == 1 ? " ends" : "es end");
	}
	sighand_put(p->sighand);
	p->sighand = NULL;
	notify_parent(p);
	if (!alive)
		machine_stop(exit_code(first_status));
}

/* Whether child c is one the wait asks about (Linux's eligible_child): by id, and by its exit
 * signal unless __WALL (the default takes SIGCHLD children, __WCLONE the others). */
static bool wanted(const struct proc *c, int idtype, int id, int options)
{
	if ((idtype == P_PID && c->pid != id) || (idtype == P_PGID && c->pgid != id))
		return false;
	if (options & __WALL)
		return true;
	return (c->exit_signal == SIGCHLD) != !!(options & __WCLONE);
}

/* A stop (WUNTRACED) or continue (WCONTINUED) of c not reported yet: true after filling *out. */
static bool report_change(struct proc *c, int options, struct wait_result *out)
{
	bool stop = c->wait_report == REPORT_STOPPED && c->stopped && (options & WUNTRACED);
	bool cont = c->wait_report == REPORT_CONTINUED && (options & WCONTINUED);
	if (c->state != PROC_ALIVE || (!stop && !cont))
		return false;
	*out = (struct wait_result){ .pid = c->pid, .uid = c->cred.uid.r, .cpu_ns = c->cpu_ns,
				     .status = stop ? c->stop_signal << 8 | 0x7f : 0xffff,
				     .code = stop ? CLD_STOPPED : CLD_CONTINUED, .si_status = stop ? c->stop_signal : SIGCONT };
	if (!(options & WNOWAIT))
		c->wait_report = 0;
	return true;
}

long proc_wait(int idtype, int id, int options, struct wait_result *out)
{
	struct proc *self = current->proc;
	if (idtype == P_PGID && id == 0)
		id = self->pgid;
	for (;;) {
		bool any = false;
		for (struct proc *c = self->children; c; c = c->sibling) {
			if (!wanted(c, idtype, id, options))
				continue;
			any = true;
			if (report_change(c, options, out))
				return out->pid;
			if (c->state != PROC_ZOMBIE || !(options & WEXITED))
				continue;
			struct siginfo_k info;
			proc_child_siginfo(c, &info);
			*out = (struct wait_result){ .pid = c->pid, .status = c->exit_status, .uid = c->cred.uid.r,
						     .code = info.code, .si_status = info.child.status, .cpu_ns = c->cpu_ns,
						     .children_cpu_ns = c->children_cpu_ns };
			if (!(options & WNOWAIT)) {
				self->children_cpu_ns += c->cpu_ns + c->children_cpu_ns;
				proc_reap(c);
			}
			return out->pid;
		}
		if (!any)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		if (sched_block(&self->child_exit, 0, true) == WAKE_SIGNAL)
			return -ERESTARTSYS;
	}
}
