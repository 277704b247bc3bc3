/* Calls that name files by path: open and create, directories, links, rename, the working
 * directory, modes, owners (recorded only: everyone is root) and times. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "uaccess.h"
#include "vfs.h"

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#define OPEN_FLAGS_KNOWN (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | \
			  020000 | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | \
			  04000000 /* __O_SYNC */ | O_PATH | O_TMPFILE)

static long open_at(long dirfd, u64 upath, long flags, u32 mode)
{
	flags = (int)flags;
	char *path;
	long err = user_path(upath, &path);
	if (err)
		return err;
	struct inode *dir;
	struct file *f = NULL;
	err = at_start(dirfd, path, &dir);
	if (!err) {
		char *base = path[0] == '/' ? NULL : at_base(dirfd);
		err = fs_openat(dir, base, path, (int)flags | O_LARGEFILE, mode, &f);
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

long sys_open(u64 path, long flags, long mode) { return open_at(AT_FDCWD, path, flags, (u32)mode); }
long sys_openat(long dirfd, u64 path, long flags, long mode) { return open_at(dirfd, path, flags, (u32)mode); }
long sys_creat(u64 path, long mode) { return open_at(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, (u32)mode); }

struct open_how_k {
	u64 flags, mode, resolve;
};

long sys_openat2(long dirfd, u64 path, u64 uhow, u64 size)
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
	return open_at(dirfd, path, (long)how.flags, (u32)how.mode);
}

/* The parent directory and last name of (dirfd, path); the caller frees *buf. */
static long parent_at(long dirfd, u64 upath, char **buf, struct inode **parent, const char **name, size_t *len)
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

static bool is_dot(const char *name, size_t len) { return len == 1 && name[0] == '.'; }
static bool is_dotdot(const char *name, size_t len) { return len == 2 && name[0] == '.' && name[1] == '.'; }
static bool removed(struct inode *dir) { return dir != fs_root && !dir->dir.parent; }

long sys_mkdirat(long dirfd, u64 upath, long mode)
{
	char *buf;
	struct inode *parent;
	const char *name;
	size_t len;
	long err = parent_at(dirfd, upath, &buf, &parent, &name, &len);
	if (err)
		return err;
	if (is_dot(name, len) || is_dotdot(name, len) || dir_lookup(parent, name, len))
		err = -EEXIST;
	else if (removed(parent))
		err = -ENOENT;
	else {
		struct inode *d = inode_new(S_IFDIR | ((u32)mode & 07777 & ~fs_current()->umask));
		err = d ? dir_add(parent, name, len, d) : -ENOMEM;
		if (err && d)
			inode_put(d);
	}
	pathbuf_put(buf);
	return err;
}

long sys_mkdir(u64 path, long mode) { return sys_mkdirat(AT_FDCWD, path, mode); }

static long remove_at(long dirfd, u64 upath, bool dir)
{
	char *buf;
	struct inode *parent;
	const char *name;
	size_t len;
	long err = parent_at(dirfd, upath, &buf, &parent, &name, &len);
	if (err)
		return err;
	struct inode *ino = is_dot(name, len) || is_dotdot(name, len) ? NULL : dir_lookup(parent, name, len);
	bool trailing = buf[strlen(buf) - 1] == '/';
	if (dir && is_dot(name, len))
		err = -EINVAL;
	else if (dir && is_dotdot(name, len))
		err = -ENOTEMPTY;
	else if (!ino)
		err = is_dot(name, len) || is_dotdot(name, len) ? -EISDIR : -ENOENT;
	else if (dir && !S_ISDIR(ino->mode))
		err = -ENOTDIR;
	else if (!dir && S_ISDIR(ino->mode))
		err = -EISDIR;
	else if (!dir && trailing)
		err = -ENOTDIR;
	else if (dir && ino == fs_root)
		err = -EBUSY;
	else if (dir && !dir_empty(ino))
		err = -ENOTEMPTY;
	else
		err = dir_remove(parent, name, len);
	pathbuf_put(buf);
	return err;
}

long sys_unlinkat(long dirfd, u64 path, long flags)
{
	flags = (int)flags;
	if (flags & ~(long)AT_REMOVEDIR)
		return -EINVAL;
	return remove_at(dirfd, path, flags & AT_REMOVEDIR);
}

long sys_unlink(u64 path) { return remove_at(AT_FDCWD, path, false); }
long sys_rmdir(u64 path) { return remove_at(AT_FDCWD, path, true); }

/* True when dir is d or below it. */
static bool within(struct inode *dir, struct inode *d)
{
	for (struct inode *p = dir; p; p = p == fs_root ? NULL : p->dir.parent)
		if (p == d)
			return true;
	return false;
}

static long do_rename(struct inode *op, const char *on, size_t ol, struct inode *np, const char *nn, size_t nl, long flags)
{
	if (is_dot(on, ol) || is_dotdot(on, ol) || is_dot(nn, nl) || is_dotdot(nn, nl))
		return -EBUSY;
	struct inode *src = dir_lookup(op, on, ol), *dst = dir_lookup(np, nn, nl);
	if (!src)
		return -ENOENT;
	if (removed(np))
		return -ENOENT;
	if ((flags & RENAME_EXCHANGE) && !dst)
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && dst)
		return -EEXIST;
	if (S_ISDIR(src->mode) && within(np, src))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && S_ISDIR(dst->mode) && within(op, dst))
		return -EINVAL;
	if (src == dst)
		return 0;
	if (dst && !(flags & RENAME_EXCHANGE)) {
		if (S_ISDIR(src->mode) && !S_ISDIR(dst->mode))
			return -ENOTDIR;
		if (!S_ISDIR(src->mode) && S_ISDIR(dst->mode))
			return -EISDIR;
		if (S_ISDIR(dst->mode) && !dir_empty(dst))
			return -ENOTEMPTY;
	}
	inode_get(src);
	if (dst)
		inode_get(dst);
	long err = 0;
	if (dst)
		dir_remove(np, nn, nl);
	dir_remove(op, on, ol);
	err = dir_add(np, nn, nl, src);
	if (!err && (flags & RENAME_EXCHANGE))
		err = dir_add(op, on, ol, dst);
	inode_touch(src, false);
	inode_put(src);
	if (dst)
		inode_put(dst);
	return err;
}

long sys_renameat2(long olddirfd, u64 oldpath, long newdirfd, u64 newpath, long flags)
{
	flags = (u32)flags;
	if ((flags & ~(long)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) ||
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
	if (err) {
		pathbuf_put(ob);
		return err;
	}
	struct inode *src = dir_lookup(op, on, ol);
	bool trailing = ob[strlen(ob) - 1] == '/' || nb[strlen(nb) - 1] == '/';
	if (src && trailing && !S_ISDIR(src->mode))
		err = -ENOTDIR;
	else
		err = do_rename(op, on, ol, np, nn, nl, flags);
	pathbuf_put(ob);
	pathbuf_put(nb);
	return err;
}

long sys_renameat(long olddirfd, u64 oldpath, long newdirfd, u64 newpath)
{
	return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

long sys_rename(u64 oldpath, u64 newpath) { return sys_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0); }

long sys_linkat(long olddirfd, u64 oldpath, long newdirfd, u64 newpath, long flags)
{
	flags = (int)flags;
	if (flags & ~(long)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *src;
	long err = at_lookup_user(olddirfd, oldpath, flags, false, &src);
	if (err)
		return err;
	if (S_ISDIR(src->mode))
		return -EPERM;
	if (!src->nlink)
		return -ENOENT;
	char *buf;
	struct inode *parent;
	const char *name;
	size_t len;
	err = parent_at(newdirfd, newpath, &buf, &parent, &name, &len);
	if (err)
		return err;
	if (is_dot(name, len) || is_dotdot(name, len) || dir_lookup(parent, name, len))
		err = -EEXIST;
	else if (removed(parent))
		err = -ENOENT;
	else if (!(err = dir_add(parent, name, len, src)))
		inode_touch(src, false);
	pathbuf_put(buf);
	return err;
}

long sys_link(u64 oldpath, u64 newpath) { return sys_linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0); }

long sys_symlinkat(u64 utarget, long dirfd, u64 linkpath)
{
	char *target;
	long err = user_path(utarget, &target);
	if (err)
		return err;
	size_t n = strlen(target);
	char *buf;
	struct inode *parent;
	const char *name;
	size_t len;
	if (!n)
		err = -ENOENT;
	else if (n >= 2040)
		err = -ENAMETOOLONG; /* symlink bodies live in the kernel heap */
	else
		err = parent_at(dirfd, linkpath, &buf, &parent, &name, &len);
	if (!err) {
		if (is_dot(name, len) || is_dotdot(name, len) || dir_lookup(parent, name, len))
			err = -EEXIST;
		else if (removed(parent))
			err = -ENOENT;
		else {
			struct inode *l = inode_new(S_IFLNK | 0777);
			char *body = l ? kmalloc(n + 1) : NULL;
			if (!body) {
				kfree(l);
				err = -ENOMEM;
			} else {
				memcpy(body, target, n + 1);
				l->lnk.target = body;
				l->size = n;
				err = dir_add(parent, name, len, l);
				if (err)
					inode_put(l);
			}
		}
		pathbuf_put(buf);
	}
	pathbuf_put(target);
	return err;
}

long sys_symlink(u64 target, u64 linkpath) { return sys_symlinkat(target, AT_FDCWD, linkpath); }

long sys_readlinkat(long dirfd, u64 path, u64 buf, long size)
{
	size = (int)size;
	struct inode *ino;
	long err = at_lookup_user(dirfd, path, AT_EMPTY_PATH, false, &ino);
	if (err)
		return err;
	if (size <= 0 || !S_ISLNK(ino->mode))
		return -EINVAL;
	char *t = link_target(ino);
	if (!t)
		return -ENOMEM;
	u64 n = MIN(strlen(t), (u64)size);
	err = copy_to_user(buf, t, n);
	kfree(t);
	ino->atime = fs_now_ns();
	return err ? err : (long)n;
}

long sys_readlink(u64 path, u64 buf, long size) { return sys_readlinkat(AT_FDCWD, path, buf, size); }

long sys_truncate(u64 path, long len)
{
	struct inode *ino;
	long err = at_lookup_user(AT_FDCWD, path, 0, true, &ino);
	if (err)
		return err;
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode) || ino->ops || len < 0)
		return -EINVAL;
	err = reg_truncate(ino, (u64)len);
	if (!err)
		inode_touch(ino, true);
	return err;
}

long sys_chdir(u64 path)
{
	struct inode *ino;
	long err = at_lookup_user(AT_FDCWD, path, 0, true, &ino);
	if (err)
		return err;
	if (!S_ISDIR(ino->mode))
		return -ENOTDIR;
	fs_set_cwd(ino);
	return 0;
}

long sys_getcwd(u64 buf, u64 size)
{
	char *p = pathbuf_get();
	if (!p)
		return -ENOMEM;
	long n = dir_path(fs_current()->cwd, p, PATH_MAX);
	if (n >= 0 && (u64)n + 1 > size)
		n = -ERANGE;
	if (n >= 0)
		n = copy_to_user(buf, p, (u64)n + 1) ? -EFAULT : n + 1;
	pathbuf_put(p);
	return n;
}

long sys_umask(long mask)
{
	u32 old = fs_current()->umask;
	fs_current()->umask = (u32)mask & 0777;
	return old;
}

long sys_fchmodat(long dirfd, u64 path, long mode)
{
	struct inode *ino;
	long err = at_lookup_user(dirfd, path, 0, true, &ino);
	if (err)
		return err;
	ino->mode = (ino->mode & S_IFMT) | ((u32)mode & 07777);
	inode_touch(ino, false);
	return 0;
}

long sys_chmod(u64 path, long mode) { return sys_fchmodat(AT_FDCWD, path, mode); }

long sys_fchownat(long dirfd, u64 path, long uid, long gid, long flags)
{
	flags = (int)flags;
	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct inode *ino;
	long err = at_lookup_user(dirfd, path, flags, true, &ino);
	if (err)
		return err;
	if ((u32)uid != ~0U)
		ino->uid = (u32)uid;
	if ((u32)gid != ~0U)
		ino->gid = (u32)gid;
	inode_touch(ino, false);
	return 0;
}

long sys_chown(u64 path, long uid, long gid) { return sys_fchownat(AT_FDCWD, path, uid, gid, 0); }
long sys_lchown(u64 path, long uid, long gid) { return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW); }

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

long sys_utimensat(long dirfd, u64 path, u64 times, long flags)
{
	flags = (int)flags;
	if (flags & ~(long)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
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
	u64 now = fs_now_ns(), a = ino->atime, m = ino->mtime;
	if (!set_time(&a, &t[0], now) || !set_time(&m, &t[1], now))
		return -EINVAL;
	ino->atime = a;
	ino->mtime = m;
	ino->ctime = now;
	return 0;
}
