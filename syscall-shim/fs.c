/* File I/O on descriptors: read/write and their positional and vector forms, lseek, getdents64,
 * sync calls. Descriptors 0-2 start as the console (COM1 in/out, COM2 for stderr). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "uaccess.h"
#include "vfs.h"

#define IOV_MAX 1024
#define MAX_RW 0x7ffff000UL
#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

struct iovec_k {
	u64 base, len;
};

static bool positioned(const struct file *f)
{
	return !f->ino->ops || f->ino->ops->seekable;
}

static long readable_file(long fd, struct file **out)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	*out = f;
	return 0;
}

static long writable_file(long fd, struct file **out)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	*out = f;
	return 0;
}

/* One read at off (or at the file position when off is NULL, advancing it). */
static long do_read(struct file *f, u64 buf, u64 len, const u64 *off)
{
	u64 pos = off ? *off : f->off;
	len = MIN(len, MAX_RW);
	if (S_ISREG(f->ino->mode) && !f->ino->ops)
		len = pos < f->ino->size ? MIN(len, f->ino->size - pos) : 0; /* touch only what is copied */
	if (S_ISDIR(f->ino->mode))
		return -EISDIR;
	if (!user_range_ok(buf, len, true))
		return -EFAULT;
	long n = file_read(f, (u8 *)buf, len, pos);
	if (n > 0 && !off && positioned(f))
		f->off += (u64)n;
	return n;
}

static long do_write(struct file *f, u64 buf, u64 len, const u64 *off)
{
	len = MIN(len, MAX_RW);
	if (!user_range_ok(buf, len, false))
		return -EFAULT;
	u64 pos = off ? *off : (f->flags & O_APPEND) ? f->ino->size : f->off;
	long n = file_write(f, (const u8 *)buf, len, pos);
	if (n > 0 && !off && positioned(f))
		f->off = pos + (u64)n;
	return n;
}

/* read, write, readv and writev may block (pipes, sockets, the console): they hold the file (a
 * reference) meanwhile, so that another thread closing the descriptor does not free it under them. */
long sys_read(long fd, u64 buf, u64 len)
{
	struct file *f;
	long err = readable_file(fd, &f);
	if (err)
		return err;
	file_get(f);
	long n = do_read(f, buf, len, NULL);
	file_put(f);
	return n;
}

long sys_write(long fd, u64 buf, u64 len)
{
	struct file *f;
	long err = writable_file(fd, &f);
	if (err)
		return err;
	file_get(f);
	long n = do_write(f, buf, len, NULL);
	file_put(f);
	return n;
}

long sys_pread64(long fd, u64 buf, u64 len, long off)
{
	struct file *f;
	long err = readable_file(fd, &f);
	if (err)
		return err;
	if (!positioned(f))
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	u64 pos = (u64)off;
	return do_read(f, buf, len, &pos);
}

long sys_pwrite64(long fd, u64 buf, u64 len, long off)
{
	struct file *f;
	long err = writable_file(fd, &f);
	if (err)
		return err;
	if (!positioned(f))
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	u64 pos = (u64)off;
	return do_write(f, buf, len, &pos);
}

/* readv/writev and the positional forms: a short transfer ends the vector. */
static long vector_on(struct file *f, u64 iov, long cnt, bool write, long off)
{
	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	if (off != -1 && !positioned(f))
		return -ESPIPE;
	if (off < -1)
		return -EINVAL;
	u64 pos = (u64)off;
	long total = 0;
	for (long i = 0; i < cnt; i++) {
		struct iovec_k v;
		if (copy_from_user(&v, iov + (u64)i * sizeof(v), sizeof(v)))
			return total ? total : -EFAULT;
		if (!v.len)
			continue;
		long n = write ? do_write(f, v.base, v.len, off == -1 ? NULL : &pos)
			       : do_read(f, v.base, v.len, off == -1 ? NULL : &pos);
		if (n < 0)
			return total ? total : n;
		total += n;
		pos += (u64)n;
		if ((u64)n < v.len)
			break;
	}
	return total;
}

static long vector_io(long fd, u64 iov, long cnt, bool write, long off)
{
	struct file *f;
	long err = write ? writable_file(fd, &f) : readable_file(fd, &f);
	if (err)
		return err;
	file_get(f); /* as in sys_read */
	long n = vector_on(f, iov, cnt, write, off);
	file_put(f);
	return n;
}

long sys_readv(long fd, u64 iov, long cnt) { return vector_io(fd, iov, cnt, false, -1); }
long sys_writev(long fd, u64 iov, long cnt) { return vector_io(fd, iov, cnt, true, -1); }

long sys_preadv(long fd, u64 iov, long cnt, long off)
{
	return off < 0 ? -EINVAL : vector_io(fd, iov, cnt, false, off);
}

long sys_pwritev(long fd, u64 iov, long cnt, long off)
{
	return off < 0 ? -EINVAL : vector_io(fd, iov, cnt, true, off);
}

long sys_lseek(long fd, long off, long whence)
{
	whence = (int)whence;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	if (!positioned(f))
		return -ESPIPE;
	i64 base;
	u64 size = f->ino->size;
	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (i64)f->off; break;
	case SEEK_END: base = (i64)size; break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (off < 0 || (u64)off >= size)
			return -ENXIO;
		f->off = whence == SEEK_DATA ? (u64)off : size; /* no holes are tracked */
		return (long)f->off;
	default: return -EINVAL;
	}
	i64 pos = base + off;
	if (pos < 0)
		return -EINVAL;
	f->off = (u64)pos;
	return pos;
}

/* getdents64: "." and ".." at positions 0 and 1, then the entries by their cookies. */
struct dirent_head {
	u64 ino;
	i64 off;
	u16 reclen;
	u8 type;
} __attribute__((packed));

static u8 dtype(u32 mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR: return 4;
	case S_IFREG: return 8;
	case S_IFLNK: return 10;
	case S_IFCHR: return 2;
	case S_IFIFO: return 1;
	default: return 0;
	}
}

/* Writes one record; false when it does not fit. */
static bool emit(u64 buf, u64 size, u64 *used, struct inode *ino, u64 next, const char *name, long *err)
{
	size_t n = strlen(name);
	u64 reclen = ALIGN_UP(sizeof(struct dirent_head) + n + 1, 8);
	if (*used + reclen > size)
		return false;
	struct dirent_head h = { ino->ino, (i64)next, (u16)reclen, dtype(ino->mode) };
	u64 at = buf + *used;
	u8 zeros[8] = { 0 };
	if (copy_to_user(at, &h, sizeof(h)) || copy_to_user(at + sizeof(h), name, n) ||
	    copy_to_user(at + sizeof(h) + n, zeros, reclen - sizeof(h) - n)) {
		*err = -EFAULT;
		return false;
	}
	*used += reclen;
	return true;
}

long sys_getdents64(long fd, u64 buf, u64 size)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	struct inode *d = f->ino;
	if (!S_ISDIR(d->mode))
		return -ENOTDIR;
	u64 used = 0;
	long err = 0;
	while (!err) {
		u64 pos = f->off;
		struct inode *ino = NULL;
		const char *name = NULL;
		char dyn[24];
		u64 next = pos + 1;
		if (pos == 0) {
			ino = d, name = ".";
		} else if (pos == 1) {
			ino = d->dir.parent ? d->dir.parent : d, name = "..";
		} else if (d->dir.list) {
			if (d->dir.list(d, pos - 2, dyn, sizeof(dyn), &ino) >= 0)
				name = dyn;
		} else {
			for (struct dentry *e = d->dir.first; e; e = e->next) {
				if (e->pos >= pos) {
					ino = e->ino, name = e->name, next = e->pos + 1;
					break;
				}
			}
		}
		if (!name || !ino)
			break;
		if (!emit(buf, size, &used, ino, next, name, &err)) {
			if (!err && !used)
				err = -EINVAL; /* the buffer cannot hold the next entry */
			break;
		}
		f->off = next;
	}
	if (err && !used)
		return err;
	d->atime = fs_now_ns();
	return (long)used;
}

long sys_fsync(long fd) { return fd_get(fd) ? 0 : -EBADF; }
long sys_fdatasync(long fd) { return fd_get(fd) ? 0 : -EBADF; }
long sys_sync(void) { return 0; }
