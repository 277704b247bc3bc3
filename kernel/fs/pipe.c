/* Pipes: a 64 KiB ring of frames between a read end and a write end. With one thread, a read
 * that would wait for data nobody can write (or a write into a full pipe nobody drains) could
 * never finish: the app is stopped as deadlocked (status 134), like futex does. */
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "vfs.h"

#define PIPE_PAGES 16
#define PIPE_SIZE (PIPE_PAGES * PAGE_SIZE)

struct pipe {
	u64 frames[PIPE_PAGES];
	u64 rpos, wpos; /* running byte counts; wpos - rpos bytes are buffered */
	u32 readers, writers;
};

static NORETURN void deadlock(const char *what)
{
	kerr("deadlock: %s a pipe with no other thread to %s it", what, what[0] == 'r' ? "fill" : "drain");
	proc_exit(128 + 6);
}

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
	if (p->wpos == p->rpos) {
		if (!p->writers)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		deadlock("reading from");
	}
	u64 n = MIN(len, p->wpos - p->rpos);
	for (u64 done = 0; done < n;) {
		u64 chunk = MIN(n - done, PAGE_SIZE - p->rpos % PAGE_SIZE);
		memcpy(buf + done, byte_at(p, p->rpos), chunk);
		p->rpos += chunk;
		done += chunk;
	}
	return (long)n;
}

static long pipe_write(struct file *f, const u8 *buf, u64 len, u64 off)
{
	(void)off;
	struct pipe *p = f->ino->priv;
	if (!p->readers)
		return -EPIPE;
	u64 space = PIPE_SIZE - (p->wpos - p->rpos);
	if (!space || (len <= PAGE_SIZE && space < len)) { /* small writes are atomic */
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		deadlock("writing to");
	}
	u64 n = MIN(len, space);
	for (u64 done = 0; done < n;) {
		u64 chunk = MIN(n - done, PAGE_SIZE - p->wpos % PAGE_SIZE);
		memcpy(byte_at(p, p->wpos), buf + done, chunk);
		p->wpos += chunk;
		done += chunk;
	}
	inode_touch(f->ino, true);
	return (long)n;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->ino->priv;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		p->readers--;
	else
		p->writers--;
	if (!p->readers && !p->writers) {
		for (int i = 0; i < PIPE_PAGES; i++)
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

static const struct file_ops pipe_ops = {
	.read = pipe_read, .write = pipe_write, .release = pipe_release, .readable = pipe_readable,
};

long pipe_create(struct file **rd, struct file **wr)
{
	struct pipe *p = kzalloc(sizeof(*p));
	struct inode *ino = p ? inode_new(S_IFIFO | 0600) : NULL;
	if (!ino) {
		kfree(p);
		return -ENOMEM;
	}
	for (int i = 0; i < PIPE_PAGES; i++) {
		if (!(p->frames[i] = pmm_alloc())) {
			while (i--)
				pmm_free(p->frames[i]);
			kfree(p);
			kfree(ino);
			return -ENOMEM;
		}
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
