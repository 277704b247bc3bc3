/* What the *at() syscalls share: the starting directory from dirfd, paths copied from the app,
 * AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW. */
#include "errno.h"
#include "lib.h"
#include "uaccess.h"
#include "vfs.h"

long user_path(u64 upath, char **out)
{
	char *buf = pathbuf_get();
	if (!buf)
		return -ENOMEM;
	long n = string_from_user(buf, upath, PATH_MAX);
	if (n < 0) {
		pathbuf_put(buf);
		return n;
	}
	*out = buf;
	return 0;
}

long at_start(long dirfd, const char *path, struct inode **dir)
{
	dirfd = (int)dirfd;
	if (path[0] == '/' || dirfd == AT_FDCWD) {
		*dir = fs_current()->cwd;
		return 0;
	}
	struct file *f = fd_get(dirfd);
	if (!f)
		return -EBADF;
	if (*path && !S_ISDIR(f->ino->mode))
		return -ENOTDIR;
	*dir = f->ino;
	return 0;
}

char *at_base(long dirfd)
{
	dirfd = (int)dirfd;
	if (dirfd == AT_FDCWD)
		return cwd_path();
	struct file *f = fd_get(dirfd);
	char *buf = pathbuf_get();
	if (buf && f && f->path)
		memcpy(buf, f->path, strlen(f->path) + 1);
	else if (buf)
		buf[0] = 0;
	return buf;
}

long at_lookup(long dirfd, const char *path, long at_flags, bool follow, struct inode **out)
{
	dirfd = (int)dirfd;
	at_flags = (int)at_flags;
	struct inode *dir;
	long err = at_start(dirfd, path, &dir);
	if (err)
		return err;
	if (!*path) {
		if (!(at_flags & AT_EMPTY_PATH))
			return -ENOENT;
		if (dirfd == AT_FDCWD) {
			*out = fs_current()->cwd;
			return 0;
		}
		*out = dir;
		return 0;
	}
	if (at_flags & AT_SYMLINK_NOFOLLOW)
		follow = false;
	if (at_flags & AT_SYMLINK_FOLLOW)
		follow = true;
	return path_lookup(dir, path, follow ? LOOKUP_FOLLOW : 0, out);
}

long at_lookup_user(long dirfd, u64 upath, long at_flags, bool follow, struct inode **out)
{
	char *path;
	long err = user_path(upath, &path);
	if (err)
		return err;
	err = at_lookup(dirfd, path, at_flags, follow, out);
	pathbuf_put(path);
	return err;
}
