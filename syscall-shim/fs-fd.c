/* The descriptor table: close, dup, fcntl, ioctl, pipes; and the calls that change a file through
 * its descriptor (ftruncate, fallocate, fchmod, fchown, fchdir). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "syscalls.h"
#include "uaccess.h"
#include "vfs.h"

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETOWN 8
#define F_GETOWN 9
#define F_SETLK 6
#define F_SETLKW 7
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_DUPFD_CLOEXEC 1030
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#define FD_CLOEXEC 1
#define F_UNLCK 2
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_NOATIME | O_DIRECT | O_ASYNC)
#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4
#define FIONREAD 0x541b
#define FIONBIO 0x5421
#define FIOASYNC 0x5452
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451

/* The file kind as stat reports it. */
static u32 mode_of(struct file *f)
{
	struct kstat st;
	vfs_getattr(f->ino, &st);
	return st.mode;
}

long sys_close(int fd) { return fd_close(fd); }

long sys_close_range(unsigned first, unsigned last, unsigned flags)
{
	if (first > last || (flags & ~(unsigned)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)))
		return -EINVAL;
	long err = flags & CLOSE_RANGE_UNSHARE ? fd_unshare() : 0;
	if (err)
		return err;
	for (long fd = fd_next((long)first); fd >= 0 && (u64)fd <= last; fd = fd_next(fd + 1)) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_set_cloexec(fd, true);
		else
			fd_close(fd);
	}
	return 0;
}

static long dup_from(int old, int min, bool cloexec)
{
	struct file *f = fd_get(old);
	if (!f)
		return -EBADF;
	if (min < 0 || (u64)min >= fd_limit())
		return -EINVAL;
	long fd = fd_install(f, min, cloexec);
	if (fd >= 0)
		file_get(f);
	return fd;
}

long sys_dup(int old) { return dup_from(old, 0, false); }

static long dup_to(int old, int new, bool cloexec)
{
	struct file *f = fd_get(old);
	if (!f || new < 0 || new >= NR_FDS)
		return -EBADF;
	file_get(f);
	long fd = fd_install_at(new, f, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_dup2(int old, int new)
{
	if (old == new)
		return fd_get(old) ? new : -EBADF;
	return dup_to(old, new, false);
}

long sys_dup3(int old, int new, int flags)
{
	if (old == new || (flags & ~O_CLOEXEC))
		return -EINVAL;
	return dup_to(old, new, flags & O_CLOEXEC);
}

/* struct flock: locks are not kept (one process: nobody to conflict with); GETLK says unlocked. */
struct flock_k {
	int16_t type, whence;
	i64 start, len;
	i32 pid;
};

long sys_fcntl(int fd, unsigned cmd, u64 arg)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	switch (cmd) {
	case F_DUPFD: return dup_from(fd, (int)arg, false); /* the argument is an int */
	case F_DUPFD_CLOEXEC: return dup_from(fd, (int)arg, true);
	case F_GETFD: return fd_cloexec(fd) ? FD_CLOEXEC : 0;
	case F_SETFD: return fd_set_cloexec(fd, arg & FD_CLOEXEC);
	case F_GETFL: return f->flags;
	case F_SETFL: f->flags = (f->flags & ~(u32)SETFL_MASK) | ((u32)arg & SETFL_MASK); return 0;
	case F_GETLK:
	case F_OFD_GETLK: {
		struct flock_k l;
		if (copy_from_user(&l, arg, sizeof(l)))
			return -EFAULT;
		l.type = F_UNLCK;
		return copy_to_user(arg, &l, sizeof(l));
	}
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_SETLK:
	case F_OFD_SETLKW: {
		struct flock_k l;
		return copy_from_user(&l, arg, sizeof(l));
	}
	case F_SETOWN: f->owner = (int)arg; return 0;
	case F_GETOWN: return f->owner;
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		return S_ISFIFO(mode_of(f)) ? 65536 : -EBADF;
	default: return -EINVAL;
	}
}

long sys_ioctl(int fd, unsigned req, u64 arg)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	switch (req) {
	case FIOASYNC: {
		i32 on;
		if (copy_from_user(&on, arg, sizeof(on)))
			return -EFAULT;
		f->flags = on ? f->flags | O_ASYNC : f->flags & ~(u32)O_ASYNC;
		return 0;
	}
	case FIONBIO: {
		i32 on;
		if (copy_from_user(&on, arg, sizeof(on)))
			return -EFAULT;
		f->flags = on ? f->flags | O_NONBLOCK : f->flags & ~(u32)O_NONBLOCK;
		return 0;
	}
	case FIOCLEX:
	case FIONCLEX:
		return fd_set_cloexec(fd, req == FIOCLEX);
	case FIONREAD: {
		long n = file_readable(f);
		i32 v = (i32)n;
		return n < 0 ? n : copy_to_user(arg, &v, sizeof(v));
	}
	}
	return file_ioctl(f, req, arg);
}

long sys_pipe2(u64 fds, int flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (!user_range_ok(fds, 8, true))
		return -EFAULT;
	struct file *rd, *wr;
	long err = pipe_create(&rd, &wr);
	if (err)
		return err;
	rd->flags |= (u32)flags & O_NONBLOCK;
	wr->flags |= (u32)flags & O_NONBLOCK;
	long a = fd_install(rd, 0, flags & O_CLOEXEC);
	long b = a < 0 ? a : fd_install(wr, 0, flags & O_CLOEXEC);
	if (b < 0) {
		if (a >= 0)
			fd_close(a); /* puts rd */
		else
			file_put(rd);
		file_put(wr);
		return b;
	}
	i32 pair[2] = { (i32)a, (i32)b };
	return copy_to_user(fds, pair, sizeof(pair));
}

long sys_pipe(u64 fds) { return sys_pipe2(fds, 0); }

static long writable_regular(int fd, struct inode **out)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if (!vfs_is_data_file(f->ino) || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	*out = f->ino;
	return 0;
}

long sys_ftruncate(int fd, i64 len)
{
	struct inode *ino;
	long err = writable_regular(fd, &ino);
	if (err)
		return err;
	return len < 0 ? -EINVAL : vfs_truncate(ino, (u64)len);
}

long sys_fallocate(int fd, int mode, i64 off, i64 len)
{
	struct file *f = fd_get(fd);
	if (f && (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	struct inode *ino;
	long err = writable_regular(fd, &ino);
	if (err)
		return err == -EINVAL && f && S_ISDIR(mode_of(f)) ? -EISDIR : err == -EINVAL ? -ENODEV : err;
	if (off < 0 || len <= 0)
		return -EINVAL;
	return vfs_fallocate(ino, mode, (u64)off, (u64)len);
}

long sys_fchdir(int fd)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	if (!S_ISDIR(mode_of(f)))
		return -ENOTDIR;
	fs_set_cwd(f->ino);
	return 0;
}

long sys_fchmod(int fd, unsigned mode)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	return vfs_chmod(f->ino, mode);
}

long sys_fchown(int fd, unsigned uid, unsigned gid)
{
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	return vfs_chown(f->ino, uid, gid);
}
