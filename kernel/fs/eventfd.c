/* eventfd: a 64-bit counter. A write adds to it (blocking while it would pass 2^64 - 2), a read
 * takes it all, or 1 in semaphore mode (blocking while it is 0). */
#include "errno.h"
#include "fs.h"
#include "lib.h"
#include "mm.h"
#include "poll.h"
#include "sched.h"
#include "vfs.h"

#define EFD_SEMAPHORE 1
#define COUNT_MAX 0xfffffffffffffffeULL

struct eventfd {
	u64 count;
	bool semaphore;
	struct waitq waiting; /* readers waiting for a count, writers for room */
};

static void changed(struct file *f, struct eventfd *e)
{
	waitq_wake_all(&e->waiting);
	poll_wake(f->ino);
}

static long eventfd_read(struct file *f, u8 *buf, u64 len, u64 off)
{
	(void)off;
	struct eventfd *e = f->ino->priv;
	if (len < 8)
		return -EINVAL;
	while (!e->count) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sched_block(&e->waiting, 0, true) == WAKE_SIGNAL)
			return -ERESTARTSYS;
	}
	u64 v = e->semaphore ? 1 : e->count;
	e->count -= v;
	memcpy(buf, &v, 8);
	changed(f, e);
	return 8;
}

static long eventfd_write(struct file *f, const u8 *buf, u64 len, u64 off)
{
	(void)off;
	struct eventfd *e = f->ino->priv;
	u64 v;
	if (len < 8)
		return -EINVAL;
	memcpy(&v, buf, 8);
	if (v == ~0ULL)
		return -EINVAL;
	while (v > COUNT_MAX - e->count) {
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sched_block(&e->waiting, 0, true) == WAKE_SIGNAL)
			return -ERESTARTSYS;
	}
	e->count += v;
	if (v)
		changed(f, e);
	return 8;
}

static u32 eventfd_poll(struct file *f)
{
	struct eventfd *e = f->ino->priv;
	return (e->count ? POLLIN | POLLRDNORM : 0) | (e->count < COUNT_MAX ? POLLOUT | POLLWRNORM : 0);
}

static void eventfd_release(struct file *f) { kfree(f->ino->priv); }

static const struct file_ops eventfd_ops = {
	.read = eventfd_read, .write = eventfd_write, .poll = eventfd_poll, .release = eventfd_release,
};

long eventfd_new(u64 initval, bool semaphore, bool nonblock, struct file **out)
{
	struct eventfd *e = kzalloc(sizeof(*e));
	struct inode *ino = e ? inode_new(0600) : NULL;
	struct file *f = ino ? file_new(ino, O_RDWR | (nonblock ? O_NONBLOCK : 0), "anon_inode:[eventfd]") : NULL;
	if (!f) {
		kfree(e);
		if (ino)
			inode_put(ino);
		return -ENOMEM;
	}
	e->count = initval;
	e->semaphore = semaphore;
	ino->ops = &eventfd_ops;
	ino->priv = e;
	*out = f;
	return 0;
}
