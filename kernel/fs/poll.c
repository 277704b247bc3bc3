/* Readiness of files and the one wait queue of threads waiting for it (see poll.h). */
#include "poll.h"
#include "clock.h"
#include "console.h"

static struct waitq pollers;
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

void poll_wake(struct inode *ino)
{
	ino->poll_events++;
	waitq_wake_all(&pollers);
}

enum wake_reason poll_sleep(u64 deadline, bool console)
{
	console_pollers += console;
	enum wake_reason why = sched_block(&pollers, deadline, true);
	console_pollers -= console;
	return why;
}

bool poll_awaits_console(void) { return console_pollers > 0; }

u64 poll_deadline_ms(long ms)
{
	if (ms < 0)
		return 0;
	return clock_monotonic_ns() + (u64)ms * 1000000;
}
