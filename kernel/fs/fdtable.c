/* The descriptor table of the one process: fd -> open file, plus the close-on-exec flag. */
#include "errno.h"
#include "vfs.h"

struct fd_entry fd_table[NR_FDS];

struct file *fd_get(long fd)
{
	fd = (int)fd; /* an int in the ABI: the register's upper half is not part of it */
	return fd >= 0 && fd < NR_FDS ? fd_table[fd].f : NULL;
}

long fd_install(struct file *f, long min, bool cloexec)
{
	for (long fd = min < 0 ? 0 : min; fd < NR_FDS; fd++) {
		if (!fd_table[fd].f) {
			fd_table[fd] = (struct fd_entry){ f, cloexec };
			return fd;
		}
	}
	return -EMFILE;
}

long fd_close(long fd)
{
	fd = (int)fd;
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	fd_table[fd] = (struct fd_entry){ NULL, false };
	file_put(f);
	return 0;
}
