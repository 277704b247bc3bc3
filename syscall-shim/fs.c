/* File I/O on descriptors: read/write and their positional and vector forms, lseek, getdents64,
 * sync calls. Descriptors 0-2 start as the console (COM1 in/out, COM2 for stderr). */
#include "errno.h"
#include "sigpipe.h"
#include "lib.h"
#include "mm.h"
#include "syscalls.h"
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

static long readable_file(int fd, struct file **out)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	*out = f;
	return 0;
}

static long writable_file(int fd, struct file **out)
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
	len = file_read_limit(f, pos, MIN(len, MAX_RW)); /* only what is copied is checked and backed */
	if (!user_range_ok(buf, len, true))
		return -EFAULT;
	long n = file_read(f, (u8 *)buf, len, pos);
	if (n > 0 && !off && file_seekable(f))
		f->off += (u64)n;
	return n;
}

static long do_write(struct file *f, u64 buf, u64 len, const u64 *off)
{
	len = MIN(len, MAX_RW);
	if (!user_range_ok(buf, len, false))
		return -EFAULT;
	struct kstat st;
	if (f->flags & O_APPEND)
		vfs_getattr(f->ino, &st);
	u64 pos = off ? *off : (f->flags & O_APPEND) ? st.size : f->off;
	long n = file_write(f, (const u8 *)buf, len, pos);
	if (n > 0 && !off && file_seekable(f))
		f->off = pos + (u64)n;
	return n;
}

/* read, write, readv and writev may block (pipes, sockets, the console): they hold the file (a
 * reference) meanwhile, so that another thread closing the descriptor does not free it under them. */
long sys_read(int fd, u64 buf, u64 len)
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

long sys_write(int fd, u64 buf, u64 len)
{
	struct file *f;
	long err = writable_file(fd, &f);
	if (err)
		return err;
	file_get(f);
	long n = do_write(f, buf, len, NULL);
	file_put(f);
	return with_sigpipe(n);
}

long sys_pread64(int fd, u64 buf, u64 len, i64 off)
{
	struct file *f;
	long err = readable_file(fd, &f);
	if (err)
		return err;
	if (!file_seekable(f))
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	u64 pos = (u64)off;
	return do_read(f, buf, len, &pos);
}

long sys_pwrite64(int fd, u64 buf, u64 len, i64 off)
{
	struct file *f;
	long err = writable_file(fd, &f);
	if (err)
		return err;
	if (!file_seekable(f))
		return -ESPIPE;
	if (off < 0)
		return -EINVAL;
	u64 pos = (u64)off;
	return with_sigpipe(do_write(f, buf, len, &pos));
}

/* readv/writev and the positional forms: a short transfer ends the vector. */
static long vector_on(struct file *f, u64 iov, u64 cnt, bool write, i64 off)
{
	if (cnt > IOV_MAX)
		return -EINVAL;
	if (off != -1 && !file_seekable(f))
		return -ESPIPE;
	if (off < -1)
		return -EINVAL;
	u64 pos = (u64)off;
	long total = 0;
	for (u64 i = 0; i < cnt; i++) {
		struct iovec_k v;
		if (copy_from_user(&v, iov + i * sizeof(v), sizeof(v)))
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

static long vector_io(int fd, u64 iov, u64 cnt, bool write, i64 off)
{
	struct file *f;
	long err = write ? writable_file(fd, &f) : readable_file(fd, &f);
	if (err)
		return err;
	file_get(f); /* as in sys_read */
	long n = vector_on(f, iov, cnt, write, off);
	file_put(f);
	return write ? with_sigpipe(n) : n;
}

long sys_readv(int fd, u64 iov, u64 cnt) { return vector_io(fd, iov, cnt, false, -1); }
long sys_writev(int fd, u64 iov, u64 cnt) { return vector_io(fd, iov, cnt, true, -1); }

/* off_high is the offset's high half on 32-bit ABIs: x86-64 passes the whole offset in off. */
long sys_preadv(int fd, u64 iov, u64 cnt, i64 off, u64 off_high)
{
	(void)off_high;
	return off < 0 ? -EINVAL : vector_io(fd, iov, cnt, false, off);
}

long sys_pwritev(int fd, u64 iov, u64 cnt, i64 off, u64 off_high)
{
	(void)off_high;
	return off < 0 ? -EINVAL : vector_io(fd, iov, cnt, true, off);
}

long sys_lseek(int fd, i64 off, unsigned whence)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	if (!file_seekable(f))
		return -ESPIPE;
	i64 base;
	struct kstat st;
	vfs_getattr(f->ino, &st);
	u64 size = st.size;
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

/* getdents64: struct linux_dirent64 records, as many as fit, from the directory's position. */
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
	case S_IFSOCK: return 12;
	default: return 0;
	}
}

struct dirent_out {
	u64 buf, size, used;
	bool full; /* the next record did not fit */
	long err;
};

/* Writes one record; false when it does not fit (or the buffer faults). */
static bool emit(void *ctx, const char *name, u64 ino, u32 mode, u64 next)
{
	struct dirent_out *o = ctx;
	size_t n = strlen(name);
	u64 reclen = ALIGN_UP(sizeof(struct dirent_head) + n + 1, 8);
	if (o->used + reclen > o->size) {
		o->full = true;
		return false;
	}
	struct dirent_head h = { ino, (i64)next, (u16)reclen, dtype(mode) };
	u64 at = o->buf + o->used;
	u8 zeros[8] = { 0 };
	if (copy_to_user(at, &h, sizeof(h)) || copy_to_user(at + sizeof(h), name, n) ||
	    copy_to_user(at + sizeof(h) + n, zeros, reclen - sizeof(h) - n)) {
		o->err = -EFAULT;
		return false;
	}
	o->used += reclen;
	return true;
}

long sys_getdents64(int fd, u64 buf, unsigned size)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	struct kstat st;
	vfs_getattr(f->ino, &st);
	if (!S_ISDIR(st.mode))
		return -ENOTDIR;
	struct dirent_out o = { buf, size, 0, false, 0 };
	f->off = vfs_readdir(f->ino, f->off, emit, &o);
	if (!o.used && o.err)
		return o.err;
	if (!o.used && o.full)
		return -EINVAL; /* the buffer cannot hold the next entry */
	return (long)o.used;
}

/* A volume's file is flushed to the host's disk (its writes already reached the host's file). */
long sys_fsync(int fd)
{
	struct file *f = fd_get(fd);
	return f ? vfs_fsync(f, false) : -EBADF;
}

long sys_fdatasync(int fd)
{
	struct file *f = fd_get(fd);
	return f ? vfs_fsync(f, true) : -EBADF;
}
long sys_sync(void) { return 0; }
