/* Advice about file access. Every file lives in RAM, so, as on Linux's ramfs and tmpfs, there is
 * nothing to read ahead or drop: after Linux's checks of the fd and the advice, nothing happens. */
#include "errno.h"
#include "syscalls.h"
#include "vfs.h"

#define POSIX_FADV_NOREUSE 5 /* the last advice: NORMAL, RANDOM, SEQUENTIAL, WILLNEED, DONTNEED */

long sys_fadvise64(int fd, i64 off, i64 len, int advice)
{
	(void)off;
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	struct kstat st;
	vfs_getattr(f->ino, &st);
	if (S_ISFIFO(st.mode))
		return -ESPIPE;
	if (len < 0 || advice < 0 || advice > POSIX_FADV_NOREUSE)
		return -EINVAL;
	return 0;
}

long sys_readahead(int fd, i64 off, u64 count)
{
	(void)off, (void)count;
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	struct kstat st;
	vfs_getattr(f->ino, &st);
	return S_ISREG(st.mode) ? 0 : -EINVAL;
}
