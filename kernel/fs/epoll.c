/* epoll, as Linux's: each instance has an interest list of (file, fd) items and a ready list. An
 * item is hooked on its file's inode (poll.h); a readiness change of the file puts the item on the
 * ready list and wakes the instance's waiters. epoll_wait looks only at the ready list, asking each
 * file (file_poll) what it has now: an item not ready after all leaves the list; one reported goes
 * back at the tail when level-triggered (it stays while ready, and the next wait goes on from the
 * items after it), and stays off when edge-triggered (until the file's next change) or oneshot
 * (disarmed until EPOLL_CTL_MOD). So a wait costs the items that may be ready, not those watched.
 * Items do not hold their file: when its last reference goes, the file leaves every list
 * (epoll_forget_file), as on Linux. An instance cannot watch another instance (EINVAL). */
#include "epoll.h"
#include "console.h"
#include "errno.h"
#include "fs.h"
#include "mm.h"
#include "poll.h"
#include "uaccess.h"

struct epitem {
	struct poll_hook hook;        /* on the file's inode; first: poll_wake finds the item from it */
	struct epoll *ep;
	struct epitem *next, **pprev; /* the instance's interest list */
	struct epitem *fnext;         /* the file's items (file->epitems) */
	struct epitem *rnext, *rprev; /* the ready list, while ready */
	bool ready;
	bool disarmed; /* EPOLLONESHOT after a report, until EPOLL_CTL_MOD */
	struct file *f;
	int fd;
	u32 events; /* as asked, with EPOLLET and EPOLLONESHOT */
	u64 data;
};

static void ready_add(struct epoll *ep, struct epitem *it, bool front)
{
	it->ready = true;
	if (front) {
		it->rprev = NULL;
		it->rnext = ep->ready_head;
		if (ep->ready_head)
			ep->ready_head->rprev = it;
		else
			ep->ready_tail = it;
		ep->ready_head = it;
		return;
	}
	it->rnext = NULL;
	it->rprev = ep->ready_tail;
	if (ep->ready_tail)
		ep->ready_tail->rnext = it;
	else
		ep->ready_head = it;
	ep->ready_tail = it;
}

static void ready_del(struct epoll *ep, struct epitem *it)
{
	if (it->rprev)
		it->rprev->rnext = it->rnext;
	else
		ep->ready_head = it->rnext;
	if (it->rnext)
		it->rnext->rprev = it->rprev;
	else
		ep->ready_tail = it->rprev;
	it->ready = false;
}

/* The events the item reports now (0: none). */
static u32 item_events(const struct epitem *it)
{
	if (it->disarmed)
		return 0;
	u32 want = (it->events & ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)) | EPOLLERR | EPOLLHUP;
	return file_poll(it->f) & want;
}

struct epoll *epoll_item_fire(struct poll_hook *h, bool wake)
{
	struct epitem *it = (struct epitem *)h;
	struct epoll *ep = it->ep;
	/* a waiter sleeps only with an empty ready list (its last look emptied it), so an item
	 * already there has woken it */
	if (it->ready || it->disarmed)
		return ep;
	ready_add(ep, it, false);
	if (wake)
		waitq_wake_all(&ep->waiters);
	poll_wake(ep->ino); /* poll and select on the epoll descriptor */
	return ep;
}

void epoll_wake_one(struct epoll *ep) { waitq_wake(&ep->waiters, 1); }

static void item_link(struct epoll *ep, struct epitem *it)
{
	it->ep = ep;
	it->next = ep->items;
	if (it->next)
		it->next->pprev = &it->next;
	it->pprev = &ep->items;
	ep->items = it;
	it->fnext = it->f->epitems;
	it->f->epitems = it;
	ep->console_items += console_is_input(it->f);
	poll_hook_add(it->f->ino, &it->hook, it->events & EPOLLEXCLUSIVE ? HOOK_EPOLL_EXCLUSIVE : HOOK_EPOLL);
}

static void item_unlink(struct epitem *it)
{
	struct epoll *ep = it->ep;
	poll_hook_del(&it->hook);
	if (it->ready)
		ready_del(ep, it);
	*it->pprev = it->next;
	if (it->next)
		it->next->pprev = it->pprev;
	struct epitem **at = &it->f->epitems;
	while (*at != it)
		at = &(*at)->fnext;
	*at = it->fnext;
	ep->console_items -= console_is_input(it->f);
	kfree(it);
}

/* Copies up to max ready events to the app; their count, or -EFAULT if the first copy fails. */
static long collect(struct epoll *ep, u64 uevents, int max)
{
	int n = 0;
	struct epitem *requeued = NULL; /* the first item put back at the tail: the walk ends there */
	while (n < max && ep->ready_head && ep->ready_head != requeued) {
		struct epitem *it = ep->ready_head;
		ready_del(ep, it);
		struct epoll_event_k ev = { .events = item_events(it), .data = it->data };
		if (!ev.events)
			continue;
		if (copy_to_user(uevents + (u64)n * sizeof(ev), &ev, sizeof(ev))) {
			ready_add(ep, it, true);
			return n ? n : -EFAULT;
		}
		n++;
		if (it->events & EPOLLONESHOT) {
			it->disarmed = true;
		} else if (!(it->events & EPOLLET)) {
			ready_add(ep, it, false);
			requeued = requeued ? requeued : it;
		}
	}
	return n;
}

long epoll_wait(struct file *epf, u64 uevents, int max, u64 deadline)
{
	struct epoll *ep = epf->ino->priv;
	file_get(epf); /* another thread may close it meanwhile */
	long n;
	for (bool timed_out = false;;) {
		n = collect(ep, uevents, max);
		if (n || timed_out)
			break;
		bool console = ep->console_items > 0;
		poll_console_waiters(console);
		enum wake_reason why = sched_block(&ep->waiters, deadline, true);
		poll_console_waiters(-(int)console);
		if (why == WAKE_SIGNAL) {
			n = -EINTR;
			break;
		}
		timed_out = why == WAKE_TIMEOUT;
	}
	file_put(epf);
	return n;
}

/* The item for (f, fd) on ep, or NULL. A file is on few lists: its own list is short. */
static struct epitem *find(struct epoll *ep, struct file *f, int fd)
{
	for (struct epitem *it = f->epitems; it; it = it->fnext)
		if (it->ep == ep && it->fd == fd)
			return it;
	return NULL;
}

/* New events for an item: ready now counts as a change (reported once even if edge-triggered). */
static void item_set(struct epitem *it, const struct epoll_event_k *ev)
{
	it->events = ev->events;
	it->data = ev->data;
	it->disarmed = false;
	if (item_events(it))
		epoll_item_fire(&it->hook, true);
}

long epoll_ctl(struct file *epf, int op, int fd, struct file *target, const struct epoll_event_k *ev)
{
	struct epoll *ep = epf->ino->priv;
	struct epitem *it = find(ep, target, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it)
			return -EEXIST;
		if (!(it = kzalloc(sizeof(*it))))
			return -ENOMEM;
		it->f = target;
		it->fd = fd;
		it->events = ev->events; /* item_link hooks it by EPOLLEXCLUSIVE */
		item_link(ep, it);
		item_set(it, ev);
		return 0;
	case EPOLL_CTL_MOD:
		if (!it)
			return -ENOENT;
		if (it->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		item_set(it, ev);
		return 0;
	case EPOLL_CTL_DEL:
		if (!it)
			return -ENOENT;
		item_unlink(it);
		return 0;
	default:
		return -EINVAL;
	}
}

void epoll_forget_file(struct file *f)
{
	while (f->epitems)
		item_unlink(f->epitems);
}

/* An instance is readable when an item on its ready list would report (poll and select on an
 * epoll fd); items found not ready leave the list, as in a wait. */
static u32 epoll_poll(struct file *f)
{
	struct epoll *ep = f->ino->priv;
	for (struct epitem *it = ep->ready_head, *next; it; it = next) {
		next = it->rnext;
		if (item_events(it))
			return POLLIN | POLLRDNORM;
		ready_del(ep, it);
	}
	return 0;
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = f->ino->priv;
	while (ep->items)
		item_unlink(ep->items);
	kfree(ep);
}

static const struct file_ops epoll_ops = { .release = epoll_release, .poll = epoll_poll };

bool is_epoll(struct file *f) { return f->ino->ops == &epoll_ops; }

long epoll_new(struct file **out)
{
	struct epoll *ep = kzalloc(sizeof(*ep));
	struct inode *ino = ep ? inode_new(0600) : NULL;
	struct file *f = ino ? file_new(ino, O_RDWR, "anon_inode:[eventpoll]") : NULL;
	if (!f) {
		kfree(ep);
		if (ino)
			inode_put(ino);
		return -ENOMEM;
	}
	ino->ops = &epoll_ops;
	ino->priv = ep;
	ep->ino = ino;
	*out = f;
	return 0;
}
