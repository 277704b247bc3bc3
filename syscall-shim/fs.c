/* File syscalls on the console: fd 0 reads COM1 (blocking), fds 1 and 2 write COM1 and COM2.
 * There is no VFS yet: other descriptors are -EBADF, paths other than /proc/self/exe -ENOENT. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "proc.h"
#include "serial.h"
#include "uaccess.h"

#define AT_FDCWD (-100)
#define AT_EMPTY_PATH 0x1000
#define S_IFCHR 0020000
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGPGRP 0x540f
#define TIOCGWINSZ 0x5413
#define IOV_MAX 1024
#define PATH_MAX 4096

struct iovec_k {
	u64 base, len;
};

static bool console_fd(long fd) { return fd >= 0 && fd <= 2; }

static bool com1_has_data(void) { return serial_can_read(COM1); }

/* Blocks until at least one byte arrives, then takes what is there (like a tty in raw mode). */
static long console_read(u64 buf, u64 len)
{
	if (!len)
		return 0;
	if (!user_range_ok(buf, len, true))
		return -EFAULT;
	sleep_until(~0UL, com1_has_data);
	u64 n = 0;
	while (n < len && serial_can_read(COM1))
		((u8 *)buf)[n++] = serial_read_byte(COM1);
	return (long)n;
}

static long console_write(long fd, u64 buf, u64 len)
{
	if (!user_range_ok(buf, len, false))
		return -EFAULT;
	serial_write(fd == 2 ? COM2 : COM1, (const u8 *)buf, len);
	return (long)len;
}

long sys_read(long fd, u64 buf, u64 len)
{
	if (fd != 0)
		return -EBADF;
	return console_read(buf, len);
}

long sys_write(long fd, u64 buf, u64 len)
{
	if (!console_fd(fd))
		return -EBADF;
	return console_write(fd, buf, len);
}

static long vector_io(long fd, u64 iov, long cnt, bool write)
{
	if (!console_fd(fd) || (!write && fd != 0))
		return -EBADF;
	if (cnt < 0 || cnt > IOV_MAX)
		return -EINVAL;
	long total = 0;
	for (long i = 0; i < cnt; i++) {
		struct iovec_k v;
		if (copy_from_user(&v, iov + (u64)i * sizeof(v), sizeof(v)))
			return -EFAULT;
		if (!v.len)
			continue;
		long n = write ? console_write(fd, v.base, v.len) : console_read(v.base, v.len);
		if (n < 0)
			return total ? total : n;
		total += n;
		if (!write && (u64)n < v.len)
			break; /* a short read ends the vector, as on a tty */
	}
	return total;
}

long sys_lseek(long fd)
{
	return console_fd(fd) ? -ESPIPE : -EBADF;
}

long sys_readv(long fd, u64 iov, long cnt) { return vector_io(fd, iov, cnt, false); }

long sys_writev(long fd, u64 iov, long cnt) { return vector_io(fd, iov, cnt, true); }

/* The console as a character device (ttyS0: major 4, minor 64). */
struct stat_k {
	u64 dev, ino, nlink;
	u32 mode, uid, gid, pad0;
	u64 rdev;
	i64 size, blksize, blocks;
	u64 atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	i64 reserved[3];
};

static long console_stat(long fd, u64 out)
{
	struct stat_k st = { 0 };
	st.dev = 5;
	st.ino = (u64)fd + 3;
	st.nlink = 1;
	st.mode = S_IFCHR | 0620;
	st.rdev = (4 << 8) | 64;
	st.blksize = 1024;
	return copy_to_user(out, &st, sizeof(st));
}

long sys_fstat(long fd, u64 out)
{
	if (!console_fd(fd))
		return -EBADF;
	return console_stat(fd, out);
}

/* Only fstat-by-descriptor (empty path with AT_EMPTY_PATH) is supported. */
static long path_is_empty(u64 path, long flags)
{
	char c;
	if (copy_from_user(&c, path, 1))
		return -EFAULT;
	if (c != 0)
		return -ENOENT;
	return (flags & AT_EMPTY_PATH) ? 0 : -ENOENT;
}

long sys_newfstatat(long dirfd, u64 path, u64 out, long flags)
{
	long err = path_is_empty(path, flags);
	if (err)
		return err;
	if (!console_fd(dirfd))
		return -EBADF;
	return console_stat(dirfd, out);
}

struct statx_k {
	u32 mask, blksize;
	u64 attributes;
	u32 nlink, uid, gid;
	u16 mode, pad0;
	u64 ino, size, blocks, attributes_mask;
	u64 ts[8]; /* atime, btime, ctime, mtime: {i64 sec; u32 nsec; i32 pad} */
	u32 rdev_major, rdev_minor, dev_major, dev_minor;
	u64 spare[14];
};

long sys_statx(long dirfd, u64 path, long flags, long mask, u64 out)
{
	(void)mask;
	long err = path_is_empty(path, flags);
	if (err)
		return err;
	if (!console_fd(dirfd))
		return -EBADF;
	struct statx_k sx = { 0 };
	sx.mask = 0x7ff; /* STATX_BASIC_STATS */
	sx.blksize = 1024;
	sx.nlink = 1;
	sx.mode = S_IFCHR | 0620;
	sx.ino = (u64)dirfd + 3;
	sx.rdev_major = 4;
	sx.rdev_minor = 64;
	sx.dev_minor = 5;
	return copy_to_user(out, &sx, sizeof(sx));
}

struct termios_k {
	u32 iflag, oflag, cflag, lflag;
	u8 line, cc[19];
};

long sys_ioctl(long fd, long req, u64 arg)
{
	if (!console_fd(fd))
		return -EBADF;
	switch (req) {
	case TCGETS: {
		struct termios_k t = { 0x500, 0x5, 0xbf, 0x8a3b, 0,
				       { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 } };
		return copy_to_user((u64)arg, &t, sizeof(t));
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct termios_k t;
		return copy_from_user(&t, arg, sizeof(t)); /* accepted, no effect on the serial line */
	}
	case TIOCGWINSZ: {
		u16 ws[4] = { 24, 80, 0, 0 };
		return copy_to_user(arg, ws, sizeof(ws));
	}
	case TIOCGPGRP: {
		i32 pgrp = 1;
		return copy_to_user(arg, &pgrp, sizeof(pgrp));
	}
	default:
		return -ENOTTY;
	}
}

static long readlink_common(u64 path, u64 buf, long size)
{
	char p[PATH_MAX];
	long n = string_from_user(p, path, sizeof(p));
	if (n < 0)
		return n;
	if (size <= 0)
		return -EINVAL;
	if (strcmp(p, "/proc/self/exe"))
		return -ENOENT;
	u64 len = MIN(strlen(proc.exe), (u64)size);
	if (copy_to_user(buf, proc.exe, len))
		return -EFAULT;
	return (long)len;
}

long sys_readlink(u64 path, u64 buf, long size) { return readlink_common(path, buf, size); }

long sys_readlinkat(long dirfd, u64 path, u64 buf, long size)
{
	(void)dirfd; /* only the absolute /proc/self/exe is known */
	return readlink_common(path, buf, size);
}
