/* Calls that name files by path: open and create, directories, links, rename, the working
 * directory, modes, owners (recorded only: every process acts as root on files) and times. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "syscalls.h"
#include "uaccess.h"
#include "vfs.h"

#define RENAME_WHITEOUT 4
#define OPEN_FLAGS_KNOWN (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | \
			  O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | \
			  04000000 /* __O_SYNC */ | O_PATH | O_TMPFILE)

static long open_at(int dirfd, u64 upath, int flags, unsigned mode)
{
	char *path;
	long err = user_path(upath, &path);
	if (err)
		return err;
	struct inode *dir;
	struct file *f = NULL;
	err = at_start(dirfd, path, &dir);
	if (!err) {
		char *base = path[0] == '/' ? NULL : at_base(dirfd);
		err = fs_openat(dir, base, path, flags | O_LARGEFILE, mode, &f);
		pathbuf_put(base);
	}
	pathbuf_put(path);
	if (err)
		return err;
	long fd = fd_install(f, 0, flags & O_CLOEXEC);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_open(u64 path, int flags, unsigned mode) { return open_at(AT_FDCWD, path, flags, mode); }
long sys_openat(int dirfd, u64 path, int flags, unsigned mode) { return open_at(dirfd, path, flags, mode); }
long sys_creat(u64 path, unsigned mode) { return open_at(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode); }

struct open_how_k {
	u64 flags, mode, resolve;
};

long sys_openat2(int dirfd, u64 path, u64 uhow, u64 size)
{
	struct open_how_k how;
	if (size < sizeof(how) || size > PAGE_SIZE)
		return -EINVAL;
	if (copy_from_user(&how, uhow, sizeof(how)))
		return -EFAULT;
	if ((how.flags & ~(u64)OPEN_FLAGS_KNOWN) || how.mode > 07777 ||
	    (how.mode && !(how.flags & O_CREAT) && (how.flags & O_TMPFILE) != O_TMPFILE))
		return -EINVAL;
	if (how.resolve)
		return -EINVAL; /* RESOLVE_* restrictions are not implemented */
	return open_at(dirfd, path, (int)how.flags, (unsigned)how.mode); /* both checked above */
}

/* The parent directory and last name of (dirfd, path); the caller frees *buf. */
static long parent_at(int dirfd, u64 upath, char **buf, struct inode **parent, const char **name, size_t *len)
{
	long err = user_path(upath, buf);
	if (err)
		return err;
	struct inode *dir;
	err = at_start(dirfd, *buf, &dir);
	if (!err)
		err = path_parent(dir, *buf, parent, name, len);
	if (err)
		pathbuf_put(*buf);
	return err;
}

long sys_mkdirat(int dirfd, u64 upath, unsigned mode)
{
	char *buf;
	struct inode *parent;
	const char *name;
	size_t len;
	long err = parent_at(dirfd, upath, &buf, &parent, &name, &len);
	if (err)
		return err;
	err = vfs_mkdir(parent, name, len, mode);
	pathbuf_put(buf);
	return err;
}

long sys_mkdir(u64 path, unsigned mode) { return sys_mkdirat(AT_FDCWD, path, mode); }

static bool trailing_slash(const char *path) { return path[strlen(path) - 1] == '/'; }

static long remove_at(int dirfd, u64 upath, bool dir)
{
	char *buf;
	struct inode *parent;
	const char *name;
	size_t len;
	long err = parent_at(dirfd, upath, &buf, &parent, &name, &len);
	if (err)
		return err;
	err = vfs_remove(parent, name, len, dir, trailing_slash(buf));
	pathbuf_put(buf);
	return err;
}

long sys_unlinkat(int dirfd, u64 path, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return remove_at(dirfd, path, flags & AT_REMOVEDIR);
}

long sys_unlink(u64 path) { return remove_at(AT_FDCWD, path, false); }
long sys_rmdir(u64 path) { return remove_at(AT_FDCWD, path, true); }

long sys_renameat2(int olddirfd, u64 oldpath, int newdirfd, u64 newpath, unsigned flags)
{
	if ((flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) ||
	    ((flags & RENAME_EXCHANGE) && (flags & RENAME_NOREPLACE)))
		return -EINVAL;
	if (flags & RENAME_WHITEOUT)
		return -EINVAL; /* no overlay file systems here */
	char *ob, *nb;
	struct inode *op, *np;
	const char *on, *nn;
	size_t ol, nl;
	long err = parent_at(olddirfd, oldpath, &ob, &op, &on, &ol);
	if (err)
		return err;
	err = parent_at(newdirfd, newpath, &nb, &np, &nn, &nl);
	if (!err) {
		err = vfs_rename(op, on, ol, np, nn, nl, flags, trailing_slash(ob) || trailing_slash(nb));
		pathbuf_put(nb);
	}
	pathbuf_put(ob);
	return err;
}

long sys_renameat(int olddirfd, u64 oldpath, int newdirfd, u64 newpath)
{
	return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

long sys_rename(u64 oldpath, u64 newpath) { return sys_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0); }

long sys_linkat(int olddirfd, u64 oldpath, int newdirfd, u64 newpath, int flags)
{
	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *src;
	long err = at_lookup_user(olddirfd, oldpath, flags, false, &src);
	if (err)
		return err;
	struct kstat st;
	vfs_getattr(src, &st);
	if (S_ISDIR(st.mode))
		return -EPERM; /* before the new path is looked at, as Linux */
	char *buf;
	struct inode *parent;
	const char *name;
	size_t len;
	err = parent_at(newdirfd, newpath, &buf, &parent, &name, &len);
	if (err)
		return err;
	err = vfs_link(src, parent, name, len);
	pathbuf_put(buf);
	return err;
}

long sys_link(u64 oldpath, u64 newpath) { return sys_linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0); }

long sys_symlinkat(u64 utarget, int dirfd, u64 linkpath)
{
	char *target;
	long err = user_path(utarget, &target);
	if (err)
		return err;
	char *buf;
	struct inode *parent;
	const char *name;
	size_t len;
	if (!*target)
		err = -ENOENT;
	else if (!(err = parent_at(dirfd, linkpath, &buf, &parent, &name, &len))) {
		err = vfs_symlink(target, parent, name, len);
		pathbuf_put(buf);
	}
	pathbuf_put(target);
	return err;
}

long sys_symlink(u64 target, u64 linkpath) { return sys_symlinkat(target, AT_FDCWD, linkpath); }

long sys_readlinkat(int dirfd, u64 path, u64 buf, int size)
{
	struct inode *ino;
	long err = at_lookup_user(dirfd, path, AT_EMPTY_PATH, false, &ino);
	if (err)
		return err;
	if (size <= 0)
		return -EINVAL;
	char *t = pathbuf_get();
	if (!t)
		return -ENOMEM;
	long n = vfs_readlink(ino, t, MIN((u64)size, PATH_MAX));
	if (n > 0 && copy_to_user(buf, t, (u64)n))
		n = -EFAULT;
	pathbuf_put(t);
	return n;
}

long sys_readlink(u64 path, u64 buf, int size) { return sys_readlinkat(AT_FDCWD, path, buf, size); }

static u32 mode_of(struct inode *ino)
{
	struct kstat st;
	vfs_getattr(ino, &st);
	return st.mode;
}

long sys_truncate(u64 path, long len)
{
	struct inode *ino;
	long err = at_lookup_user(AT_FDCWD, path, 0, true, &ino);
	if (err)
		return err;
	if (S_ISDIR(mode_of(ino)))
		return -EISDIR;
	if (!vfs_is_data_file(ino) || len < 0)
		return -EINVAL;
	return vfs_truncate(ino, (u64)len);
}

long sys_chdir(u64 path)
{
	struct inode *ino;
	long err = at_lookup_user(AT_FDCWD, path, 0, true, &ino);
	if (err)
		return err;
	if (!S_ISDIR(mode_of(ino)))
		return -ENOTDIR;
	fs_set_cwd(ino);
	return 0;
}

/* chroot: no permission check; the working directory stays where it is. */
long sys_chroot(u64 path)
{
	struct inode *ino;
	long err = at_lookup_user(AT_FDCWD, path, 0, true, &ino);
	if (err)
		return err;
	if (!S_ISDIR(mode_of(ino)))
		return -ENOTDIR;
	fs_set_root(ino);
	return 0;
}

long sys_getcwd(u64 buf, u64 size)
{
	char *p = pathbuf_get();
	if (!p)
		return -ENOMEM;
	long n = vfs_path(fs_current()->cwd, p, PATH_MAX);
	if (n >= 0 && (u64)n + 1 > size)
		n = -ERANGE;
	if (n >= 0)
		n = copy_to_user(buf, p, (u64)n + 1) ? -EFAULT : n + 1;
	pathbuf_put(p);
	return n;
}

long sys_umask(int mask)
{
	u32 old = fs_current()->umask;
	fs_current()->umask = (u32)mask & 0777;
	return old;
}

long sys_fchmodat(int dirfd, u64 path, unsigned mode)
{
	struct inode *ino;
	long err = at_lookup_user(dirfd, path, 0, true, &ino);
	return err ? err : vfs_chmod(ino, mode);
}

long sys_chmod(u64 path, unsigned mode) { return sys_fchmodat(AT_FDCWD, path, mode); }

long sys_fchownat(int dirfd, u64 path, unsigned uid, unsigned gid, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *ino;
	long err = at_lookup_user(dirfd, path, flags, true, &ino);
	return err ? err : vfs_chown(ino, uid, gid);
}

long sys_chown(u64 path, unsigned uid, unsigned gid) { return sys_fchownat(AT_FDCWD, path, uid, gid, 0); }
long sys_lchown(u64 path, unsigned uid, unsigned gid) { return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW); }

#define UTIME_NOW ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)

struct timespec_k {
	i64 sec, nsec;
};

static bool set_time(u64 *field, const struct timespec_k *t, u64 now)
{
	if (t->nsec == UTIME_OMIT)
		return true;
	if (t->nsec == UTIME_NOW) {
		*field = now;
		return true;
	}
	if (t->nsec < 0 || t->nsec >= 1000000000 || t->sec < 0)
		return false;
	*field = (u64)t->sec * 1000000000UL + (u64)t->nsec;
	return true;
}

long sys_utimensat(int dirfd, u64 path, u64 times, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct timespec_k t[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	if (times && copy_from_user(t, times, sizeof(t)))
		return -EFAULT;
	struct inode *ino;
	long err;
	if (!path) { /* futimens: the descriptor itself */
		struct file *f = fd_get(dirfd);
		if (!f)
			return -EBADF;
		ino = f->ino;
	} else if ((err = at_lookup_user(dirfd, path, flags, true, &ino))) {
		return err;
	}
	struct kstat st;
	vfs_getattr(ino, &st);
	u64 now = fs_now_ns(), a = st.atime, m = st.mtime;
	if (!set_time(&a, &t[0], now) || !set_time(&m, &t[1], now))
		return -EINVAL;
	return vfs_set_times(ino, a, m);
}
