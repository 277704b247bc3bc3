/* Readiness of files, for poll, select and epoll. One CPU: a thread waiting on several files sleeps
 * on one wait queue that is woken whenever a file's readiness may have changed (poll_wake), then
 * looks at its files again. Files without a poll op are always ready (regular files, as Linux). */
#pragma once
#include "sched.h"
#include "types.h"
#include "vfs.h"

#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLRDBAND 0x080
#define POLLWRNORM 0x100
#define POLLWRBAND 0x200
#define POLLRDHUP 0x2000
#define POLL_ALWAYS (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM) /* Linux's DEFAULT_POLLMASK */

u32 file_poll(struct file *f);      /* events ready on f now */
bool file_pollable(struct file *f); /* f's readiness can change (it has a poll op) */
/* ino's readiness may have changed: counts an event on it (edge-triggered epoll) and wakes pollers. */
void poll_wake(struct inode *ino);
/* Blocks until some poll_wake, the deadline (monotonic ns, 0: none) or a signal. `console`: the
 * caller watches the console's input (the scheduler then knows an interrupt can wake it). */
enum wake_reason poll_sleep(u64 deadline, bool console);
bool poll_awaits_console(void);
/* A deadline from a timeout in ms (negative: none, 0: now). */
u64 poll_deadline_ms(long ms);
