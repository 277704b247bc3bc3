/* epoll instances (fs/epoll.c): an interest list of files, scanned for ready events. */
#pragma once
#include "types.h"
#include "vfs.h"

#define EPOLLIN 0x001
#define EPOLLPRI 0x002
#define EPOLLOUT 0x004
#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EPOLLRDNORM 0x040
#define EPOLLRDBAND 0x080
#define EPOLLWRNORM 0x100
#define EPOLLWRBAND 0x200
#define EPOLLMSG 0x400
#define EPOLLRDHUP 0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

/* struct epoll_event: packed on x86-64. */
struct epoll_event_k {
	u32 events;
	u64 data;
} __attribute__((packed));

long epoll_new(struct file **out);
bool is_epoll(struct file *f);
/* One EPOLL_CTL_* on the instance ep for (target, fd); ev is NULL for DEL. */
long epoll_ctl(struct file *ep, int op, int fd, struct file *target, const struct epoll_event_k *ev);
/* Waits until an item is ready or the deadline (monotonic ns; 0: none), then copies up to max
 * events to the app's array at uevents. The number of events, or -EINTR. */
long epoll_wait(struct file *ep, u64 uevents, int max, u64 deadline);
/* f's last reference is going: it leaves every interest list (close removes it, as on Linux). */
void epoll_forget_file(struct file *f);
