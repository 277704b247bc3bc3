/* epoll instances inside the kernel (fs/epoll.c; the API is in api/fd.h). */
#pragma once
#include "api/fd.h"

/* f's last reference is going: it leaves every interest list (close removes it, as on Linux). */
void epoll_forget_file(struct file *f);

struct epitem;

struct epoll {
	struct epoll *next; /* all instances, for epoll_forget_file */
	struct epitem *items;
	u64 chosen_at;      /* poll_wake's count of EPOLLEXCLUSIVE wakes when it last chose this one */
};

/* ep watches ino only through EPOLLEXCLUSIVE items: a readiness change of ino wakes one such waiter. */
bool epoll_exclusive_on(const struct epoll *ep, const struct inode *ino);
