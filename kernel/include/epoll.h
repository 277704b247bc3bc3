/* epoll instances inside the kernel (fs/epoll.c; the API is in api/fd.h). */
#pragma once
#include "api/fd.h"
#include "poll.h"
#include "sched.h"

/* f's last reference is going: it leaves every interest list (close removes it, as on Linux). */
void epoll_forget_file(struct file *f);

struct epitem;

struct epoll {
	struct inode *ino;          /* the instance's own inode: poll and select on the epoll fd */
	struct epitem *items;       /* the interest list */
	struct epitem *ready_head, *ready_tail; /* items that may report, in the order they came */
	struct waitq waiters;       /* threads in epoll_wait on it */
	u32 console_items;          /* items reading the console's input */
	u64 chosen_at;              /* poll_wake's count of EPOLLEXCLUSIVE wakes when it last chose this one */
};

/* For poll_wake: an item's file may have changed. The item joins its instance's ready list (unless
 * there already or disarmed); with wake, the instance's waiters wake. Returns the instance. */
struct epoll *epoll_item_fire(struct poll_hook *h, bool wake);
/* Wakes one thread waiting on ep (an EPOLLEXCLUSIVE wake). */
void epoll_wake_one(struct epoll *ep);
