/* The scheduler. Threads of every process run round-robin from a FIFO run queue; a thread that
 * blocks sits on a wait queue (or none) with an optional deadline. When nothing can run, the idle
 * loop halts with interrupts on until the next deadline; when nothing can run and no deadline or
 * alarm exists, no thread can ever wake: the machine stops as deadlocked (134, as SIGABRT). The
 * LAPIC one-shot timer fires at the earliest of: the end of the running thread's slice (only when
 * others wait), the first sleeper's deadline, a process's alarm. Switching to a thread of another
 * process switches address spaces. */
#include "sched.h"
#include "clock.h"
#include "console.h"
#include "log.h"
#include "mm.h"
#include "net.h"
#include "proc.h"
#include "run_stats.h"
#include "signal.h"
#include "syscall.h"
#include "vma.h"
#include "x86.h"

#define NEVER (~0UL)

struct thread *current;
static struct thread *run_head, *run_tail;
static u64 slice_end;
static u64 last_switch; /* monotonic ns: the running thread's process is charged from here */
static bool timer_dirty;  /* the wanted expiry may have changed since the last arming */
static u64 armed_count;   /* lapic_timer_arms after our last arming */

static void runq_push(struct thread *t)
{
	t->run_next = NULL;
	if (run_tail)
		run_tail->run_next = t;
	else
		run_head = t;
	run_tail = t;
	timer_dirty = true;
}

static struct thread *runq_pop(void)
{
	struct thread *t = run_head;
	if (t && !(run_head = t->run_next))
		run_tail = NULL;
	return t;
}

static void waitq_add(struct waitq *q, struct thread *t)
{
	t->wq = q;
	t->wq_next = NULL;
	t->wq_prev = q->tail;
	if (q->tail)
		q->tail->wq_next = t;
	else
		q->head = t;
	q->tail = t;
}

static void waitq_remove(struct thread *t)
{
	struct waitq *q = t->wq;
	if (t->wq_prev)
		t->wq_prev->wq_next = t->wq_next;
	else
		q->head = t->wq_next;
	if (t->wq_next)
		t->wq_next->wq_prev = t->wq_prev;
	else
		q->tail = t->wq_prev;
	t->wq = NULL;
}

bool sched_wake(struct thread *t, enum wake_reason why)
{
	if (t->state != T_BLOCKED)
		return false;
	if (t->wq)
		waitq_remove(t);
	t->state = T_RUNNABLE;
	t->wake = why;
	runq_push(t);
	return true;
}

int waitq_wake(struct waitq *q, int n)
{
	int woken = 0;
	while (q->head && woken < n)
		woken += sched_wake(q->head, WAKE_UP);
	return woken;
}

void sched_signal_wake(struct thread *t)
{
	if (t->state == T_BLOCKED && t->interruptible)
		sched_wake(t, WAKE_SIGNAL);
}

/* The earliest sleeper's deadline, alarm or lwIP's next timer; NEVER if none. */
static u64 next_deadline(void)
{
	u64 next = NEVER, net = net_next_deadline();
	if (net)
		next = MIN(next, net);
	for (struct proc *p = proc_first(); p; p = p->next)
		if (p->alarm_at)
			next = MIN(next, p->alarm_at);
	for (int i = 0; i < MAX_THREADS; i++) {
		struct thread *t = thread_at(i);
		if (!t)
			break;
		if (t->state == T_BLOCKED && t->deadline)
			next = MIN(next, t->deadline);
	}
	return next;
}

static void fire_alarm(struct proc *p, u64 now)
{
	/* the next expiry keeps the interval's phase, as Linux's it_interval */
	if (p->alarm_every)
		p->alarm_at += ((now - p->alarm_at) / p->alarm_every + 1) * p->alarm_every;
	else
		p->alarm_at = 0;
	struct siginfo_k info = { .signo = SIGALRM, .code = SI_KERNEL };
	signal_send(p, &info);
}

/* Wakes the sleepers whose deadline has passed; sends SIGALRM when the alarm is due. */
static void expire(u64 now)
{
	net_poll(); /* lwIP's due timers; what they do may wake threads */
	for (int i = 0; i < MAX_THREADS; i++) {
		struct thread *t = thread_at(i);
		if (!t)
			break;
		if (t->state == T_BLOCKED && t->deadline && t->deadline <= now)
			sched_wake(t, WAKE_TIMEOUT);
	}
	for (struct proc *p = proc_first(); p; p = p->next)
		if (p->alarm_at && p->alarm_at <= now)
			fire_alarm(p, now);
}

static void arm(u64 now)
{
	u64 next = next_deadline();
	if (run_head)
		next = MIN(next, slice_end);
	timer_dirty = false;
	if (next != NEVER) /* else an earlier arming may still fire: a tick that finds nothing to do */
		lapic_oneshot_ns(next > now ? next - now : 0);
	armed_count = lapic_timer_arms;
}

static NORETURN void deadlock(void)
{
	kerr("deadlock: every thread is blocked and no timer is pending to wake one");
	machine_stop(128 + SIGABRT);
}

/* Nothing to run: halt until an interrupt, then look for expired deadlines. */
static void idle(void)
{
	u64 now = clock_monotonic_ns();
	expire(now);
	if (run_head)
		return;
	u64 next = next_deadline();
	if (next == NEVER && !console_awaited() && !net_device_up())
		deadlock();
	if (next != NEVER) /* else only the console's interrupt can wake a thread */
		lapic_oneshot_ns(next > now ? next - now : 0);
	timer_dirty = true;
	wait_for_interrupt();
	run_stats.idle_ns += clock_monotonic_ns() - now;
}

static void switch_to(struct thread *next)
{
	struct thread *prev = current;
	u64 now = clock_monotonic_ns();
	next->state = T_RUNNING;
	slice_end = now + SLICE_NS;
	timer_dirty = true;
	if (next == prev)
		return;
	if (prev->state != T_DEAD) /* a dead thread's process may be gone */
		prev->proc->cpu_ns += now - last_switch;
	last_switch = now;
	if (prev->state != T_DEAD)
		thread_fpu_save(prev);
	mm_switch(next->proc->mm);
	thread_fpu_load(next);
	wrmsr(MSR_FS_BASE, next->fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, next->gs_base); /* the user's GS base until swapgs */
	__asm__ volatile("movq %0, %%gs:0" : : "r"(next->kstack_top) : "memory"); /* syscall_entry's stack */
	current = next;
	switch_stacks(&prev->ksp, next->ksp);
	/* back in prev, switched to by someone else */
	current_regs = thread_regs(current);
}

/* Runs the first runnable thread; the caller has queued or blocked the current one. */
static void schedule(void)
{
	struct thread *next;
	while (!(next = runq_pop()))
		idle();
	switch_to(next);
}

void sched_add(struct thread *t)
{
	t->state = T_RUNNABLE;
	runq_push(t);
}

void sched_yield_now(void)
{
	if (!run_head)
		return;
	current->state = T_RUNNABLE;
	runq_push(current);
	schedule();
}

enum wake_reason sched_block(struct waitq *wq, u64 deadline, bool interruptible)
{
	struct thread *t = current;
	if (interruptible && signal_pending_for(t))
		return WAKE_SIGNAL;
	if (deadline && deadline <= clock_monotonic_ns())
		return WAKE_TIMEOUT;
	t->state = T_BLOCKED;
	t->wake = WAKE_NONE;
	t->deadline = deadline;
	t->interruptible = interruptible;
	if (wq)
		waitq_add(wq, t);
	schedule();
	t->deadline = 0;
	return t->wake;
}

enum wake_reason sched_sleep(u64 deadline, bool interruptible) { return sched_block(NULL, deadline, interruptible); }

void sched_exit(void)
{
	current->state = T_DEAD;
	schedule();
	panic("a dead thread was scheduled");
}

void sched_timer_interrupt(bool from_user)
{
	timer_dirty = true;
	if (!from_user)
		return; /* the idle loop looks for itself */
	u64 now = clock_monotonic_ns();
	expire(now);
	if (run_head && now >= slice_end)
		sched_yield_now();
}

void sched_before_user(void)
{
	if (timer_dirty || armed_count != lapic_timer_arms)
		arm(clock_monotonic_ns());
}

void sched_set_alarm(u64 deadline, u64 interval)
{
	struct proc *p = current->proc;
	p->alarm_at = deadline;
	p->alarm_every = interval;
	timer_dirty = true;
}

void sched_get_alarm(u64 *deadline, u64 *interval)
{
	*deadline = current->proc->alarm_at;
	*interval = current->proc->alarm_every;
}

u64 sched_cpu_ns(struct proc *p)
{
	return p->cpu_ns + (current && current->proc == p ? clock_monotonic_ns() - last_switch : 0);
}
