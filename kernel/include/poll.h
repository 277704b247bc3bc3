/* Readiness of files inside the kernel (the API is in api/fd.h). Each inode keeps a list of hooks,
 * one per party watching it: an epoll item, or a poll/select call waiting on it. poll_wake(ino)
 * runs that list only, so a readiness change costs the watchers of the file that changed, never
 * the files a waiter watches: an epoll item joins its instance's ready list (epoll.c), a
 * poll/select call wakes and looks at its files again. The files' poll ops stay the source of
 * truth: a hook only says "look again". Files without a poll op are always ready (regular files,
 * as Linux). */
#pragma once
#include "api/fd.h"
#include "sched.h"
#include "vfs.h"

enum poll_hook_kind {
	HOOK_WAITER,          /* a poll or select call (struct poll_entry, fs/poll.c) */
	HOOK_EPOLL,           /* an epoll item (struct epitem, fs/epoll.c) */
	HOOK_EPOLL_EXCLUSIVE, /* an epoll item with EPOLLEXCLUSIVE */
};

/* A place on an inode's list of watchers; the first member of the struct that owns it. */
struct poll_hook {
	struct poll_hook *next, **pprev;
	enum poll_hook_kind kind;
};

void poll_hook_add(struct inode *ino, struct poll_hook *h, enum poll_hook_kind kind);
void poll_hook_del(struct poll_hook *h);

/* ino's readiness may have changed: its poll/select waiters wake, its epoll items join their
 * ready lists and wake their instances' waiters; of the instances in epoll_wait that watch ino
 * with EPOLLEXCLUSIVE only one wakes, the one whose last such wake is longest ago: idle workers
 * take turns at a listening socket. */
void poll_wake(struct inode *ino);

/* Threads in a poll, select or epoll_wait that watch the console's input (console_awaited). */
void poll_console_waiters(int delta);
bool poll_awaits_console(void);
