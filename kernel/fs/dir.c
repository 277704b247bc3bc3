/* Directories of the ramfs: a list of named children in insertion order. */
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "vfs.h"

static bool same(const struct dentry *d, const char *name, size_t len)
{
	return !strncmp(d->name, name, len) && d->name[len] == 0;
}

struct inode *dir_lookup(struct inode *dir, const char *name, size_t len)
{
	for (struct dentry *d = dir->dir.first; d; d = d->next)
		if (same(d, name, len))
			return d->ino;
	return dir->dir.lookup ? dir->dir.lookup(dir, name, len) : NULL;
}

long dir_add(struct inode *dir, const char *name, size_t len, struct inode *ino)
{
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	struct dentry *d = kmalloc(sizeof(*d) + len + 1);
	if (!d)
		return -ENOMEM;
	memcpy(d->name, name, len);
	d->name[len] = 0;
	d->ino = ino;
	d->next = NULL;
	d->pos = 2 + dir->dir.next_pos++; /* 0 and 1 are "." and ".." */
	if (dir->dir.last)
		dir->dir.last->next = d;
	else
		dir->dir.first = d;
	dir->dir.last = d;
	dir->dir.count++;
	ino->nlink++;
	if (S_ISDIR(ino->mode)) {
		ino->nlink++; /* its "." */
		ino->dir.parent = dir;
		ino->dir.name = d->name;
		dir->nlink++; /* the child's ".." */
	}
	inode_touch(dir, true);
	return 0;
}

long dir_remove(struct inode *dir, const char *name, size_t len)
{
	struct dentry *prev = NULL;
	for (struct dentry *d = dir->dir.first; d; prev = d, d = d->next) {
		if (!same(d, name, len))
			continue;
		if (prev)
			prev->next = d->next;
		else
			dir->dir.first = d->next;
		if (dir->dir.last == d)
			dir->dir.last = prev;
		dir->dir.count--;
		struct inode *ino = d->ino;
		if (S_ISDIR(ino->mode)) {
			dir->nlink--;
			ino->nlink--; /* its "." */
			ino->dir.parent = NULL;
			ino->dir.name = "";
		}
		kfree(d);
		inode_touch(dir, true);
		inode_touch(ino, false);
		ino->nlink--;
		ino->refs++;
		inode_put(ino); /* frees it if nothing else holds it */
		return 0;
	}
	return -ENOENT;
}

bool dir_empty(struct inode *dir) { return dir->dir.count == 0; }

struct inode *mkdir_in(struct inode *parent, const char *name, u32 mode)
{
	struct inode *d = inode_new(S_IFDIR | (mode & 07777));
	if (!d)
		return NULL;
	if (dir_add(parent, name, strlen(name), d)) {
		kfree(d);
		return NULL;
	}
	return d;
}

long dir_path(struct inode *dir, char *buf, size_t size)
{
	/* walk up to the root, writing names right to left */
	size_t at = size;
	if (!size)
		return -ERANGE;
	buf[--at] = 0;
	for (struct inode *d = dir; d != fs_root; d = d->dir.parent) {
		if (!d->dir.parent)
			return -ENOENT; /* removed */
		size_t n = strlen(d->dir.name);
		if (n + 1 > at)
			return -ENAMETOOLONG;
		at -= n;
		memcpy(buf + at, d->dir.name, n);
		buf[--at] = '/';
	}
	if (at == size - 1) {
		if (at < 1)
			return -ERANGE;
		buf[--at] = '/';
	}
	memmove(buf, buf + at, size - at);
	return (long)(size - at - 1);
}
