/* Pipes: a 64 KiB ring of frames between a read end and a write end, each frame made at the
 * first write into it (thousands of idle pipes cost no frames). A read with no data and a write
 * with no room block the thread until the other side moves (or closes), or a signal comes. */
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "poll.h"
#include "sched.h"
#include "vfs.h"

#define PIPE_PAGES 16
#define PIPE_SIZE (PIPE_PAGES * PAGE_SIZE)
#define PIPE_BUF PAGE_SIZE /* writes up to this size are atomic */

struct pipe {
	u64 frames[PIPE_PAGES]; /* 0 until first written */
	u64 rpos, wpos; /* running byte counts; wpos - rpos bytes are buffered */
	u32 readers, writers;
	struct waitq waiting; /* readers waiting for data, writers for room */
};

static u8 *byte_at(struct pipe *p, u64 pos)
{
	return (u8 *)phys_to_virt(p->frames[(pos / PAGE_SIZE) % PIPE_PAGES]) + pos % PAGE_SIZE;
}

static long pipe_read(struct file *f, u8 *buf, u64 len, u64 off)
{
	(void)off;
	struct pipe *p = f->ino->priv;
	if (!len)
		return 0;
	while (p->wpos == p->rpos) {
		if (!p->writers)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		if (sched_block(&p->waiting, 0, true) == WAKE_SIGNAL)
			return -ERESTARTSYS;
	}
	u64 n = MIN(len, p->wpos - p->rpos);
	for (u64 done = 0; done < n;) {
		u64 chunk = MIN(n - done, PAGE_SIZE - p->rpos % PAGE_SIZE);
		memcpy(buf + done, byte_at(p, p->rpos), chunk);
		p->rpos += chunk;
		done += chunk;
	}
	waitq_wake_all(&p->waiting);
	poll_wake(f->ino);
	return (long)n;
}

/* Makes the frames that n bytes written at wpos go into; false when memory runs out. */
static bool make_frames(struct pipe *p, u64 n)
{
	for (u64 pos = ALIGN_DOWN(p->wpos, PAGE_SIZE); pos < p->wpos + n; pos += PAGE_SIZE) {
		u64 *frame = &p->frames[(pos / PAGE_SIZE) % PIPE_PAGES];
		if (!*frame && !(*frame = pmm_alloc_uninit()))
			return false;
	}
	return true;
}

/* Writes everything before returning, blocking while the pipe is full (as Linux); a signal or a
 * closed read end cuts it short. */
static long pipe_write(struct file *f, const u8 *buf, u64 len, u64 off)
{
	(void)off;
	struct pipe *p = f->ino->priv;
	u64 done = 0;
	while (done < len) {
		if (!p->readers)
			return done ? (long)done : -EPIPE;
		u64 space = PIPE_SIZE - (p->wpos - p->rpos);
		if (!space || (len <= PIPE_BUF && space < len)) {
			if (f->flags & O_NONBLOCK)
				return done ? (long)done : -EAGAIN;
			if (sched_block(&p->waiting, 0, true) == WAKE_SIGNAL)
				return done ? (long)done : -ERESTARTSYS;
			continue;
		}
		u64 n = MIN(len - done, space);
		if (!make_frames(p, n))
			return done ? (long)done : -ENOMEM;
		for (u64 end = done + n; done < end;) {
			u64 chunk = MIN(end - done, PAGE_SIZE - p->wpos % PAGE_SIZE);
			memcpy(byte_at(p, p->wpos), buf + done, chunk);
			p->wpos += chunk;
			done += chunk;
		}
		waitq_wake_all(&p->waiting);
		poll_wake(f->ino);
		inode_touch(f->ino, true);
	}
	return (long)done;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->ino->priv;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	waitq_wake_all(&p->waiting); /* end of file for readers, EPIPE for writers */
	poll_wake(f->ino);
	if (!p->readers && !p->writers) {
		for (int i = 0; i < PIPE_PAGES; i++)
			if (p->frames[i])
				pmm_free(p->frames[i]);
		kfree(p);
		f->ino->priv = NULL;
	}
}

static u64 pipe_readable(struct file *f)
{
	struct pipe *p = f->ino->priv;
	return p->wpos - p->rpos;
}

/* As Linux: the read end is readable with data, hung up without writers; the write end is
 * writable with a page of room, in error without readers. */
static u32 pipe_poll(struct file *f)
{
	struct pipe *p = f->ino->priv;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		return (p->wpos != p->rpos ? POLLIN | POLLRDNORM : 0) | (p->writers ? 0 : POLLHUP);
	return (PIPE_SIZE - (p->wpos - p->rpos) >= PIPE_BUF ? POLLOUT | POLLWRNORM : 0) | (p->readers ? 0 : POLLERR);
}

static const struct file_ops pipe_ops = {
	.read = pipe_read, .write = pipe_write, .release = pipe_release, .readable = pipe_readable, .poll = pipe_poll,
};

long pipe_create(struct file **rd, struct file **wr)
{
	struct pipe *p = kzalloc(sizeof(*p));
	struct inode *ino = p ? inode_new(S_IFIFO | 0600) : NULL;
	if (!ino) {
		kfree(p);
		return -ENOMEM;
	}
	ino->ops = &pipe_ops;
	ino->priv = p;
	char name[32];
	snprintf(name, sizeof(name), "pipe:[%lu]", ino->ino);
	*rd = file_new(ino, O_RDONLY, name);
	*wr = file_new(ino, O_WRONLY, name);
	if (!*rd || !*wr)
		panic("out of memory making a pipe");
	p->readers = p->writers = 1;
	return 0;
}
