/* execve and execveat: the path is copied and resolved here, the kernel does the rest (proc_execve). */
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "process.h"
#include "syscalls.h"
#include "uaccess.h"
#include "vfs.h"

long sys_execve(u64 filename, u64 argv, u64 envp)
{
	char *path;
	long err = user_path(filename, &path);
	if (err)
		return err;
	err = proc_execve(path, argv, envp);
	pathbuf_put(path);
	return err;
}

/* The path (dirfd, upath) names, absolute; AT_EMPTY_PATH runs dirfd's own file (by its path:
 * a file unlinked since it was opened cannot be run). */
static long at_path(int dirfd, u64 upath, int flags, char **out)
{
	char *path;
	long err = user_path(upath, &path);
	if (err)
		return err;
	struct inode *ino;
	err = at_lookup(dirfd, path, flags, !(flags & AT_SYMLINK_NOFOLLOW), &ino);
	struct kstat st;
	if (!err) {
		vfs_getattr(ino, &st);
		if (S_ISLNK(st.mode))
			err = -ELOOP;
	}
	char *base = !err && path[0] != '/' ? at_base(dirfd) : NULL;
	if (base) {
		char *full = pathbuf_get();
		if (!full)
			err = -ENOMEM;
		else if (!*path)
			memcpy(full, base, strlen(base) + 1);
		else
			snprintf(full, PATH_MAX, "%s/%s", base, path);
		pathbuf_put(path);
		path = full;
	}
	pathbuf_put(base);
	if (err) {
		pathbuf_put(path);
		return err;
	}
	*out = path;
	return 0;
}

long sys_execveat(int dfd, u64 filename, u64 argv, u64 envp, int flags)
{
	if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	char *path;
	long err = at_path(dfd, filename, flags, &path);
	if (err)
		return err;
	err = proc_execve(path, argv, envp);
	pathbuf_put(path);
	return err;
}
