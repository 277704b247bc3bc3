/* Directories of the ramfs: a list of named children in insertion order. */
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "thread.h"
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

bool dir_entry_at(struct inode *dir, u64 pos, char *buf, size_t size, const char **name, struct inode **ino, u64 *next)
{
	if (pos < DIR_LISTED_POS) {
		for (struct dentry *e = dir->dir.first; e; e = e->next) {
			if (e->pos >= pos) {
				*name = e->name, *ino = e->ino, *next = e->pos + 1;
				return true;
			}
		}
		pos = DIR_LISTED_POS;
	}
	/* then the children a dynamic directory lists, counted from DIR_LISTED_POS */
	if (!dir->dir.list || dir->dir.list(dir, pos - DIR_LISTED_POS, buf, size, ino) < 0)
		return false;
	*name = buf;
	*next = pos + 1;
	return true;
}

/* ino gets the name d in dir (d is in dir's list). A directory's "." and its parent's link from
 * its ".." count too. */
static void link_ino(struct inode *dir, struct dentry *d, struct inode *ino)
{
	d->ino = ino;
	ino->nlink++;
	if (S_ISDIR(ino->mode)) {
		ino->nlink++;
		ino->dir.parent = dir;
		ino->dir.name = d->name;
		dir->nlink++;
	}
	inode_touch(dir, true);
}

/* ino lost a name in dir; it is freed when nothing else names or holds it. */
static void unlink_ino(struct inode *dir, struct inode *ino)
{
	if (S_ISDIR(ino->mode)) {
		dir->nlink--;
		ino->nlink--;
		if (ino->dir.parent == dir) {
			ino->dir.parent = NULL;
			ino->dir.name = "";
		}
	}
	inode_touch(dir, true);
	inode_touch(ino, false);
	ino->nlink--;
	ino->refs++;
	inode_put(ino);
}

static struct dentry *new_entry(const char *name, size_t len)
{
	struct dentry *d = len > NAME_MAX ? NULL : kmalloc(sizeof(*d) + len + 1);
	if (d) {
		memcpy(d->name, name, len);
		d->name[len] = 0;
		d->next = NULL;
	}
	return d;
}

static void append(struct inode *dir, struct dentry *d)
{
	d->pos = 2 + dir->dir.next_pos++; /* 0 and 1 are "." and ".." */
	if (dir->dir.last)
		dir->dir.last->next = d;
	else
		dir->dir.first = d;
	dir->dir.last = d;
	dir->dir.count++;
}

/* The link to the entry named name in dir's list, or NULL. */
static struct dentry **find(struct inode *dir, const char *name, size_t len)
{
	for (struct dentry **link = &dir->dir.first; *link; link = &(*link)->next)
		if (same(*link, name, len))
			return link;
	return NULL;
}

/* Takes the entry *link out of dir's list (the inode keeps its counts) and frees it. */
static void take_out(struct inode *dir, struct dentry **link)
{
	struct dentry *d = *link, *prev = NULL;
	for (struct dentry *e = dir->dir.first; e != d; e = e->next)
		prev = e;
	*link = d->next;
	if (dir->dir.last == d)
		dir->dir.last = prev;
	dir->dir.count--;
	kfree(d);
}

long dir_add(struct inode *dir, const char *name, size_t len, struct inode *ino)
{
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	struct dentry *d = new_entry(name, len);
	if (!d)
		return -ENOMEM;
	append(dir, d);
	link_ino(dir, d, ino);
	return 0;
}

long dir_remove(struct inode *dir, const char *name, size_t len)
{
	struct dentry **link = find(dir, name, len);
	if (!link)
		return -ENOENT;
	struct inode *ino = (*link)->ino;
	take_out(dir, link);
	unlink_ino(dir, ino);
	return 0;
}

long dir_rename(struct inode *from, const char *oname, size_t olen, struct inode *to, const char *nname, size_t nlen,
		bool exchange)
{
	struct dentry **src_link = find(from, oname, olen), **dst_link = find(to, nname, nlen);
	struct dentry *dst_d = dst_link ? *dst_link : NULL, *fresh = NULL;
	if (!src_link || (exchange && !dst_d))
		return -ENOENT;
	struct dentry *src_d = *src_link;
	struct inode *src = src_d->ino, *dst = dst_d ? dst_d->ino : NULL;
	if (!dst_d && !(fresh = new_entry(nname, nlen))) /* before anything changes */
		return nlen > NAME_MAX ? -ENAMETOOLONG : -ENOMEM;
	inode_get(src); /* nothing is freed while names move */
	if (dst)
		inode_get(dst);
	if (exchange) {
		unlink_ino(from, src);
		unlink_ino(to, dst);
		link_ino(to, dst_d, src);
		link_ino(from, src_d, dst);
	} else {
		take_out(from, src_link);
		unlink_ino(from, src);
		if (dst) {
			unlink_ino(to, dst);
		} else {
			append(to, fresh);
			dst_d = fresh;
		}
		link_ino(to, dst_d, src);
	}
	inode_put(src);
	if (dst)
		inode_put(dst);
	return 0;
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
	/* walk up to the process's root, writing names right to left */
	struct inode *root = current ? fs_current()->root : fs_root;
	size_t at = size;
	if (!size)
		return -ERANGE;
	buf[--at] = 0;
	for (struct inode *d = dir; d != fs_root && d != root; d = d->dir.parent) {
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
