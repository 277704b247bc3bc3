/* Namespace operations: making, linking, renaming and removing names in directories, with
 * Linux's checks and errors. The syscalls (syscall-shim/fs-path.c) copy the paths and find the
 * parent directory; the work happens here. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "proc.h"
#include "vfs.h"

#define SYMLINK_MAX 2040 /* symlink bodies live in the kernel heap */

static bool is_dot(const char *name, size_t len) { return len == 1 && name[0] == '.'; }
static bool is_dotdot(const char *name, size_t len) { return len == 2 && name[0] == '.' && name[1] == '.'; }
static bool special(const char *name, size_t len) { return is_dot(name, len) || is_dotdot(name, len); }
/* A directory that was removed (rmdir) while something still held it. */
static bool removed(struct inode *dir) { return dir != fs_root && !dir->dir.parent; }
/* A volume's root: its name stays where it is mounted (EBUSY, as a mount point). */
static bool mount_root(const struct inode *ino) { return ino && ino->fs && ino->fs->mount_root(ino); }

/* The checks before a new name is made in parent. */
static long can_create(struct inode *parent, const char *name, size_t len)
{
	if (special(name, len) || dir_lookup(parent, name, len))
		return -EEXIST;
	return removed(parent) ? -ENOENT : 0;
}

long vfs_mkdir(struct inode *parent, const char *name, size_t len, u32 mode)
{
	long err = can_create(parent, name, len);
	if (err)
		return err;
	if (parent->fs)
		return parent->fs->mkdir(parent, name, len, mode & 07777 & ~fs_current()->umask);
	struct inode *d = inode_new(S_IFDIR | (mode & 07777 & ~fs_current()->umask));
	err = d ? dir_add(parent, name, len, d) : -ENOMEM;
	if (err && d)
		inode_put(d);
	return err;
}

long vfs_remove(struct inode *parent, const char *name, size_t len, bool dir, bool trailing)
{
	if (dir && is_dot(name, len))
		return -EINVAL;
	if (dir && is_dotdot(name, len))
		return -ENOTEMPTY;
	if (special(name, len))
		return -EISDIR;
	if (parent->fs) /* no lookup first: a read-only volume's EROFS comes before ENOENT */
		return parent->fs->remove(parent, name, len, dir, trailing);
	struct inode *ino = dir_lookup(parent, name, len);
	if (!ino)
		return -ENOENT;
	if (dir && !S_ISDIR(ino->mode))
		return -ENOTDIR;
	if (!dir && S_ISDIR(ino->mode))
		return -EISDIR;
	if (!dir && trailing)
		return -ENOTDIR;
	if (dir && (ino == fs_root || ino == fs_current()->root || mount_root(ino)))
		return -EBUSY;
	if (dir && !dir_empty(ino))
		return -ENOTEMPTY;
	return dir_remove(parent, name, len);
}

/* True when dir is d or below it. */
static bool within(struct inode *dir, struct inode *d)
{
	for (struct inode *p = dir; p; p = p == fs_root ? NULL : p->dir.parent)
		if (p == d)
			return true;
	return false;
}

long vfs_rename(struct inode *op, const char *on, size_t ol, struct inode *np, const char *nn, size_t nl, u32 flags,
		bool trailing)
{
	if (special(on, ol) || special(nn, nl))
		return -EBUSY;
	if (op->fs || np->fs)
		return op->fs ? op->fs->rename(op, on, ol, np, nn, nl, flags, trailing)
			      : np->fs->rename(op, on, ol, np, nn, nl, flags, trailing);
	struct inode *src = dir_lookup(op, on, ol), *dst = dir_lookup(np, nn, nl);
	if (src && trailing && !S_ISDIR(src->mode))
		return -ENOTDIR;
	if (!src || removed(np))
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
	if (mount_root(src) || mount_root(dst))
		return -EBUSY;
	if (dst && !(flags & RENAME_EXCHANGE)) {
		if (S_ISDIR(src->mode) && !S_ISDIR(dst->mode))
			return -ENOTDIR;
		if (!S_ISDIR(src->mode) && S_ISDIR(dst->mode))
			return -EISDIR;
		if (S_ISDIR(dst->mode) && !dir_empty(dst))
			return -ENOTEMPTY;
	}
	long err = dir_rename(op, on, ol, np, nn, nl, flags & RENAME_EXCHANGE);
	if (!err)
		inode_touch(src, false);
	return err;
}

long vfs_link(struct inode *ino, struct inode *parent, const char *name, size_t len)
{
	if (S_ISDIR(ino->mode))
		return -EPERM;
	if (!ino->nlink)
		return -ENOENT;
	long err = can_create(parent, name, len);
	if (!err && (parent->fs || ino->fs))
		return parent->fs ? parent->fs->link(ino, parent, name, len) : -EXDEV;
	if (!err && !(err = dir_add(parent, name, len, ino)))
		inode_touch(ino, false);
	return err;
}

long vfs_symlink(const char *target, struct inode *parent, const char *name, size_t len)
{
	size_t n = strlen(target);
	if (!n)
		return -ENOENT;
	if (n >= SYMLINK_MAX)
		return -ENAMETOOLONG;
	long err = can_create(parent, name, len);
	if (err)
		return err;
	if (parent->fs)
		return parent->fs->symlink(target, parent, name, len);
	struct inode *l = inode_new(S_IFLNK | 0777);
	char *body = l ? kmalloc(n + 1) : NULL;
	if (!body) {
		kfree(l);
		return -ENOMEM;
	}
	memcpy(body, target, n + 1);
	l->lnk.target = body;
	l->size = n;
	err = dir_add(parent, name, len, l);
	if (err)
		inode_put(l);
	return err;
}

long vfs_readlink(struct inode *ino, char *buf, size_t size)
{
	if (!S_ISLNK(ino->mode))
		return -EINVAL;
	char *t = link_target(ino);
	if (!t)
		return -ENOMEM;
	size_t n = MIN(strlen(t), size);
	memcpy(buf, t, n);
	kfree(t);
	ino->atime = fs_now_ns();
	return (long)n;
}
