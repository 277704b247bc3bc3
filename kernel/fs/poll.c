/* Readiness of files and the threads waiting for it (see poll.h). */
#include "poll.h"
#include "clock.h"
#include "console.h"
#include "epoll.h"

/* A thread in poll_sleep: its own wait queue, in a list of all of them in order of arrival. */
struct poller {
	struct poller *next;
	struct waitq wq;
	struct epoll *ep; /* the instance it waits on in epoll_wait, or NULL */
};

static struct poller *pollers, *pollers_tail;
static u64 exclusive_wakes;  /* EPOLLEXCLUSIVE wakes so far: epoll->chosen_at's clock */
static int console_pollers; /* threads in poll_sleep watching the console's input */

u32 file_poll(struct file *f)
{
	const struct file_ops *ops = f->ino->ops;
	return ops && ops->poll ? ops->poll(f) : POLL_ALWAYS;
}

bool file_pollable(struct file *f)
{
	const struct file_ops *ops = f->ino->ops;
	return ops && ops->poll;
}

/* Of the pollers in epoll_wait on instances watching ino with EPOLLEXCLUSIVE, the one whose instance
 * was chosen least recently (NULL: none). */
static struct poller *exclusive_choice(const struct inode *ino)
{
	struct poller *best = NULL;
	for (struct poller *p = pollers; p; p = p->next)
		if (p->ep && epoll_exclusive_on(p->ep, ino) && (!best || p->ep->chosen_at < best->ep->chosen_at))
			best = p;
	return best;
}

void poll_wake(struct inode *ino)
{
	ino->poll_events++;
	struct poller *chosen = ino->exclusive_items ? exclusive_choice(ino) : NULL;
	if (chosen)
		chosen->ep->chosen_at = ++exclusive_wakes;
	for (struct poller *p = pollers; p; p = p->next)
		if (!chosen || p == chosen || !p->ep || !epoll_exclusive_on(p->ep, ino))
			waitq_wake_all(&p->wq);
}

static void pollers_remove(struct poller *me)
{
	struct poller *prev = NULL;
	for (struct poller *p = pollers; p != me; p = p->next)
		prev = p;
	if (prev)
		prev->next = me->next;
	else
		pollers = me->next;
	if (pollers_tail == me)
		pollers_tail = prev;
}

enum wake_reason poll_sleep_epoll(struct epoll *ep, u64 deadline, bool console)
{
	struct poller me = { .ep = ep };
	if (pollers_tail)
		pollers_tail->next = &me;
	else
		pollers = &me;
	pollers_tail = &me;
	console_pollers += console;
	enum wake_reason why = sched_block(&me.wq, deadline, true);
	console_pollers -= console;
	pollers_remove(&me);
	return why;
}

enum wake_reason poll_sleep(u64 deadline, bool console) { return poll_sleep_epoll(NULL, deadline, console); }

bool poll_awaits_console(void) { return console_pollers > 0; }

u64 poll_deadline_ms(long ms)
{
	if (ms < 0)
		return 0;
	return clock_monotonic_ns() + (u64)ms * 1000000;
}
