/* Descriptor tables: fd -> open file and its close-on-exec flag. The entries live in frames of
 * FDS_PER_CHUNK, made when a descriptor in their range is first installed; a count of the open
 * ones per frame lets the search for the lowest free descriptor pass over full frames (thousands
 * of connections). A table is shared by the threads of a process (and by processes made with
 * CLONE_FILES); fork copies it, and the copy shares the open files (their offsets and flags).
 * New descriptors stay below the process's RLIMIT_NOFILE (EMFILE). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "proc.h"
#include "thread.h"
#include "vfs.h"

#define FDS_PER_CHUNK (PAGE_SIZE / sizeof(struct fd_entry))
#define NCHUNKS ((NR_FDS + FDS_PER_CHUNK - 1) / FDS_PER_CHUNK)

struct fdtable {
	u32 refs;
	u16 open[NCHUNKS]; /* open descriptors in each chunk */
	struct fd_entry *chunks[NCHUNKS];
};

static struct fdtable *files(void) { return current->proc->files; }

/* The entry for fd, or NULL when fd is out of range or its chunk was never made. */
static struct fd_entry *entry(struct fdtable *t, long fd, bool create)
{
	if (fd < 0 || fd >= NR_FDS)
		return NULL;
	struct fd_entry **chunk = &t->chunks[fd / FDS_PER_CHUNK];
	if (!*chunk && create) {
		u64 pa = pmm_alloc();
		*chunk = pa ? phys_to_virt(pa) : NULL;
	}
	return *chunk ? &(*chunk)[fd % FDS_PER_CHUNK] : NULL;
}

struct fdtable *fdtable_new(void)
{
	struct fdtable *t = kzalloc(sizeof(*t));
	if (t)
		t->refs = 1;
	return t;
}

struct fdtable *fdtable_copy(struct fdtable *from)
{
	struct fdtable *t = fdtable_new();
	if (!t)
		return NULL;
	memcpy(t->open, from->open, sizeof(t->open));
	for (u64 c = 0; c < NCHUNKS; c++) {
		if (!from->chunks[c])
			continue;
		u64 pa = pmm_alloc_uninit();
		if (!pa) {
			fdtable_put(t);
			return NULL;
		}
		t->chunks[c] = phys_to_virt(pa);
		memcpy(t->chunks[c], from->chunks[c], PAGE_SIZE);
		for (u64 i = 0; i < FDS_PER_CHUNK; i++)
			if (t->chunks[c][i].f)
				file_get(t->chunks[c][i].f);
	}
	return t;
}

void fdtable_get(struct fdtable *t) { t->refs++; }

void fdtable_put(struct fdtable *t)
{
	if (--t->refs)
		return;
	for (u64 c = 0; c < NCHUNKS; c++) {
		if (!t->chunks[c])
			continue;
		for (u64 i = 0; i < FDS_PER_CHUNK; i++)
			if (t->chunks[c][i].f)
				file_put(t->chunks[c][i].f);
		pmm_free(virt_to_phys(t->chunks[c]));
	}
	kfree(t);
}

struct file *fdtable_file(struct fdtable *t, long fd)
{
	struct fd_entry *e = entry(t, (int)fd, false);
	return e ? e->f : NULL;
}

struct file *fd_get(long fd) { return fdtable_file(files(), fd); } /* an int in the ABI */

u64 fd_limit(void)
{
	u64 cur = current->proc->rlimits[RLIMIT_NOFILE].cur;
	return MIN(cur, (u64)NR_FDS);
}

u64 fd_table_size(void)
{
	struct fdtable *t = files();
	u64 c = NCHUNKS;
	while (c > 1 && !t->chunks[c - 1])
		c--;
	return c * FDS_PER_CHUNK;
}

/* Puts f in the free entry e of fd. */
static void set_entry(struct fdtable *t, long fd, struct fd_entry *e, struct file *f, bool cloexec)
{
	*e = (struct fd_entry){ f, cloexec };
	t->open[fd / FDS_PER_CHUNK]++;
}

long fd_install(struct file *f, long min, bool cloexec)
{
	struct fdtable *t = files();
	long limit = (long)fd_limit();
	for (long fd = min < 0 ? 0 : min; fd < limit; fd++) {
		if (t->open[fd / FDS_PER_CHUNK] == FDS_PER_CHUNK) {
			fd = ALIGN_UP(fd + 1, FDS_PER_CHUNK) - 1; /* a full chunk */
			continue;
		}
		struct fd_entry *e = entry(t, fd, true);
		if (!e)
			return -ENOMEM;
		if (!e->f) {
			set_entry(t, fd, e, f, cloexec);
			return fd;
		}
	}
	return -EMFILE;
}

long fd_install_at(long fd, struct file *f, bool cloexec)
{
	struct fdtable *t = files();
	if (fd < 0 || (u64)fd >= fd_limit())
		return -EBADF;
	struct fd_entry *e = entry(t, fd, true);
	if (!e)
		return -ENOMEM;
	struct file *old = e->f;
	if (old)
		*e = (struct fd_entry){ f, cloexec };
	else
		set_entry(t, fd, e, f, cloexec);
	if (old)
		file_put(old);
	return fd;
}

long fd_close(long fd)
{
	struct fdtable *t = files();
	struct fd_entry *e = entry(t, (int)fd, false);
	if (!e || !e->f)
		return -EBADF;
	struct file *f = e->f;
	*e = (struct fd_entry){ NULL, false };
	t->open[fd / FDS_PER_CHUNK]--;
	file_put(f);
	return 0;
}

long fd_cloexec(long fd)
{
	struct fd_entry *e = entry(files(), (int)fd, false);
	return e && e->f ? e->cloexec : -EBADF;
}

long fd_set_cloexec(long fd, bool on)
{
	struct fd_entry *e = entry(files(), (int)fd, false);
	if (!e || !e->f)
		return -EBADF;
	e->cloexec = on;
	return 0;
}

long fdtable_next(struct fdtable *t, long from)
{
	for (long fd = from < 0 ? 0 : from; fd < NR_FDS; fd++) {
		if (!t->open[fd / FDS_PER_CHUNK]) {
			fd = ALIGN_UP(fd + 1, FDS_PER_CHUNK) - 1;
			continue;
		}
		if (t->chunks[fd / FDS_PER_CHUNK][fd % FDS_PER_CHUNK].f)
			return fd;
	}
	return -1;
}

long fd_next(long from) { return fdtable_next(files(), from); }

void fd_close_on_exec(void)
{
	for (long fd = fd_next(0); fd >= 0; fd = fd_next(fd + 1))
		if (fd_cloexec(fd) == 1)
			fd_close(fd);
}

long fd_unshare(void)
{
	struct proc *p = current->proc;
	if (p->files->refs == 1)
		return 0;
	struct fdtable *t = fdtable_copy(p->files);
	if (!t)
		return -ENOMEM;
	fdtable_put(p->files);
	p->files = t;
	return 0;
}
