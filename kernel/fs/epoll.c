/* epoll: each instance keeps an interest list of (file, fd) items and finds ready ones by asking
 * each file (file_poll) when a thread waits; the wait itself is poll_sleep. Items do not hold their
 * file: when its last reference goes, the file leaves every list (epoll_forget_file), as on Linux.
 * Edge-triggered items report when the file's event count (poll_wake) moved since the last report.
 * An instance cannot watch another instance (EINVAL), so a scan never recurses. */
#include "epoll.h"
#include "console.h"
#include "errno.h"
#include "fs.h"
#include "mm.h"
#include "poll.h"
#include "uaccess.h"

struct epitem {
	struct epitem *next;
	struct file *f;
	int fd;
	u32 events; /* as asked, with EPOLLET and EPOLLONESHOT */
	u64 data;
	u64 seen;      /* the file's event count at the last report (edge-triggered) */
	bool disarmed; /* EPOLLONESHOT after a report, until EPOLL_CTL_MOD */
};

static struct epoll *instances;

/* Every item joins and leaves an interest list through these: an inode counts its exclusive ones. */
static void item_link(struct epitem **at, struct epitem *it)
{
	it->next = *at;
	*at = it;
	it->f->epoll_items++;
	it->f->ino->exclusive_items += !!(it->events & EPOLLEXCLUSIVE);
}

static void item_unlink(struct epitem **at)
{
	struct epitem *it = *at;
	*at = it->next;
	it->f->epoll_items--;
	it->f->ino->exclusive_items -= !!(it->events & EPOLLEXCLUSIVE);
	kfree(it);
}

bool epoll_exclusive_on(const struct epoll *ep, const struct inode *ino)
{
	bool exclusive = false;
	for (struct epitem *it = ep->items; it; it = it->next) {
		if (it->f->ino != ino)
			continue;
		if (!(it->events & EPOLLEXCLUSIVE))
			return false;
		exclusive = true;
	}
	return exclusive;
}

/* The events an item reports now (0: none), and whether it consumes them (reports, not peeks). */
static u32 item_events(struct epitem *it, bool consume)
{
	if (it->disarmed)
		return 0;
	u32 want = (it->events & ~(EPOLLET | EPOLLONESHOT | EPOLLEXCLUSIVE | EPOLLWAKEUP)) | EPOLLERR | EPOLLHUP;
	u32 ready = file_poll(it->f) & want;
	if (!ready || ((it->events & EPOLLET) && it->seen == it->f->ino->poll_events))
		return 0;
	if (consume) {
		it->seen = it->f->ino->poll_events;
		it->disarmed = it->events & EPOLLONESHOT;
	}
	return ready;
}

/* Moves the items after `last` to the front: the next scan starts where this one stopped. */
static void rotate(struct epoll *ep, struct epitem *last)
{
	if (!last->next)
		return;
	struct epitem *tail = last->next;
	while (tail->next)
		tail = tail->next;
	tail->next = ep->items;
	ep->items = last->next;
	last->next = NULL;
}

/* Copies up to max ready events to the app; their count, or -EFAULT. */
static long collect(struct epoll *ep, u64 uevents, int max)
{
	int n = 0;
	struct epitem *last = NULL;
	for (struct epitem *it = ep->items; it && n < max; it = it->next) {
		struct epoll_event_k ev = { .events = item_events(it, true), .data = it->data };
		if (!ev.events)
			continue;
		if (copy_to_user(uevents + (u64)n * sizeof(ev), &ev, sizeof(ev)))
			return -EFAULT;
		n++;
		last = it;
	}
	if (n == max)
		rotate(ep, last);
	return n;
}

static bool watches_console(struct epoll *ep)
{
	for (struct epitem *it = ep->items; it; it = it->next)
		if (console_is_input(it->f))
			return true;
	return false;
}

long epoll_wait(struct file *epf, u64 uevents, int max, u64 deadline)
{
	struct epoll *ep = epf->ino->priv;
	for (bool timed_out = false;;) {
		long n = collect(ep, uevents, max);
		if (n || timed_out)
			return n;
		enum wake_reason why = poll_sleep_epoll(ep, deadline, watches_console(ep));
		if (why == WAKE_SIGNAL)
			return -EINTR;
		timed_out = why == WAKE_TIMEOUT;
	}
}

static struct epitem **find(struct epoll *ep, struct file *f, int fd)
{
	struct epitem **at = &ep->items;
	while (*at && ((*at)->f != f || (*at)->fd != fd))
		at = &(*at)->next;
	return at;
}

static void item_set(struct epitem *it, const struct epoll_event_k *ev)
{
	it->events = ev->events;
	it->data = ev->data;
	it->seen = it->f->ino->poll_events - 1; /* ready now counts as an edge */
	it->disarmed = false;
}

long epoll_ctl(struct file *epf, int op, int fd, struct file *target, const struct epoll_event_k *ev)
{
	struct epoll *ep = epf->ino->priv;
	struct epitem **at = find(ep, target, fd);
	switch (op) {
	case EPOLL_CTL_ADD: {
		if (*at)
			return -EEXIST;
		struct epitem *it = kzalloc(sizeof(*it));
		if (!it)
			return -ENOMEM;
		it->f = target;
		it->fd = fd;
		item_set(it, ev);
		item_link(at, it); /* appended: find stops at the end */
		return 0;
	}
	case EPOLL_CTL_MOD:
		if (!*at)
			return -ENOENT;
		if ((*at)->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		item_set(*at, ev);
		return 0;
	case EPOLL_CTL_DEL:
		if (!*at)
			return -ENOENT;
		item_unlink(at);
		return 0;
	default:
		return -EINVAL;
	}
}

void epoll_forget_file(struct file *f)
{
	for (struct epoll *ep = instances; ep && f->epoll_items; ep = ep->next) {
		for (struct epitem **at = &ep->items; *at;) {
			struct epitem *it = *at;
			if (it->f != f)
				at = &it->next;
			else
				item_unlink(at);
		}
	}
}

/* An instance is readable when an item would report (poll and select on an epoll fd). */
static u32 epoll_poll(struct file *f)
{
	struct epoll *ep = f->ino->priv;
	for (struct epitem *it = ep->items; it; it = it->next)
		if (item_events(it, false))
			return POLLIN | POLLRDNORM;
	return 0;
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = f->ino->priv;
	for (struct epoll **at = &instances; *at; at = &(*at)->next) {
		if (*at == ep) {
			*at = ep->next;
			break;
		}
	}
	while (ep->items)
		item_unlink(&ep->items);
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
	ep->next = instances;
	instances = ep;
	*out = f;
	return 0;
}
