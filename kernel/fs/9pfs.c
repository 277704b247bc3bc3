/* Volumes under the VFS (9p.h): inodes for what the 9p server holds, made when a name is looked up
 * and kept in a cache by the server's file id (qid.path, the host's inode number), so a file has
 * one inode however it is reached. Nothing else is cached: every lookup asks the server (a host
 * change shows at once), attributes are fetched for stat, data goes to the server on every read
 * and write (9p writes are synchronous: once write() returns, the bytes are in the host's file).
 * The exception: pages of a file mapped MAP_SHARED are kept (in ino->reg, as the ramfs keeps its
 * pages) while it is mapped, so mappings share them; reads and writes see them, and they go back
 * to the host file at msync, fsync and munmap (and so when the process exits).
 *
 * Each inode holds a fid walked to it (never opened); an open file clones it and opens the clone
 * (the open that creates a file takes the fid the create opened).
 * A directory inode holds its parent (for "..", getcwd and this cache's order: a parent outlives
 * its cached children); the volume's root holds the guest directory it is mounted in, which is
 * where ".." leads from it. Inodes nothing refers to are dropped once the cache is large. */
#include "9p.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "thread.h"
#include "uaccess.h"
#include "vfs.h"

#define CACHE_MAX 1024
#define IDLE_NS (5 * 1000000000UL) /* an unreferenced inode untouched this long may be dropped */
#define SHRINK_NS 1000000000UL
#define HASH 256
#define SYMLINK_BUF 2048 /* the kernel heap's largest block holds a target of up to 2047 bytes */
#define O_SYNC_ALL 04010000 /* O_SYNC | O_DSYNC */
#define OPEN_FLAGS (O_ACCMODE | O_APPEND | O_SYNC_ALL) /* what the server's open takes of an open's */
#define DT_TO_MODE(t) ((u32)(t) << 12)

struct p9_node {
	struct p9_node *hnext;          /* in the hash, by qid.path (not once detached) */
	struct p9_node *prev, *next;    /* every node of every volume */
	struct inode *ino;
	struct p9_vol *vol;
	u32 fid;                     /* walked to the file, not opened */
	u32 dirfid;                  /* a directory opened for readdir, or P9_NOFID */
	u32 created_fid;             /* opened by the create, for the open that follows, or P9_NOFID */
	u32 created_flags;
	u32 qversion;
	u32 busy;                    /* operations in flight */
	u64 used;                    /* monotonic ns of the last use */
	u64 blocks, blksize;
	bool detached;
	char *name;                  /* a directory's name in its parent (dir.name) */
};

static struct p9_node *hash[HASH];
static struct p9_node *all;
static u32 count;

static const struct fs_ops p9_fs;
static const struct file_ops p9_file, p9_special;

static struct p9_node *node_of(const struct inode *ino) { return ino->priv; }
static struct p9_dev *dev_of(const struct inode *ino) { return node_of(ino)->vol->dev; }

bool p9_inode(const struct inode *ino) { return ino->fs == &p9_fs; }

/* Marks n in use for an operation that may sleep: it is not dropped meanwhile. */
static void hold(struct p9_node *n)
{
	n->busy++;
	n->used = clock_monotonic_ns();
}

static void release(struct p9_node *n)
{
	n->busy--;
	n->used = clock_monotonic_ns();
}

static u32 current_gid(void) { return current ? current->proc->cred.gid.fs : 0; }
static u32 current_uid(void) { return current ? current->proc->cred.uid.fs : 0; }

static void hash_remove(struct p9_node *n)
{
	for (struct p9_node **l = &hash[n->ino->ino % HASH]; *l; l = &(*l)->hnext) {
		if (*l == n) {
			*l = n->hnext;
			return;
		}
	}
}

/* n no longer stands for a name the server has (it was removed through us, or the id went to
 * another file): lookups stop finding it; it lives on while something refers to it. */
static void detach(struct p9_node *n)
{
	if (!n->detached) {
		n->detached = true;
		hash_remove(n);
	}
}

static void drop(struct p9_node *n)
{
	detach(n);
	if (n->prev)
		n->prev->next = n->next;
	else
		all = n->next;
	if (n->next)
		n->next->prev = n->prev;
	count--;
	struct inode *ino = n->ino;
	p9_clunk(n->vol->dev, n->fid);
	if (n->dirfid != P9_NOFID)
		p9_clunk(n->vol->dev, n->dirfid);
	if (n->created_fid != P9_NOFID)
		p9_clunk(n->vol->dev, n->created_fid);
	if (S_ISDIR(ino->mode) && ino->dir.parent)
		inode_put(ino->dir.parent);
	if (S_ISREG(ino->mode))
		reg_free(ino);
	kfree(n->name);
	kfree(ino);
	kfree(n);
}

/* Drops unreferenced, idle inodes while the cache is over its size; children before parents
 * (a parent is referenced by its cached children). At most once a second: when every inode is in
 * use, each new one would otherwise walk the whole cache. */
static void shrink(void)
{
	static u64 last;
	u64 now = clock_monotonic_ns();
	if (now - last < SHRINK_NS)
		return;
	last = now;
	bool dropped = true;
	while (count > CACHE_MAX / 2 && dropped) {
		dropped = false;
		for (struct p9_node *n = all, *next; n; n = next) {
			next = n->next;
			if (!n->ino->refs && !n->busy && n != n->vol->root_node && now - n->used > IDLE_NS) {
				drop(n);
				dropped = true;
			}
		}
	}
}

static void set_attrs(struct p9_node *n, const struct p9_attr *a)
{
	struct inode *ino = n->ino;
	ino->mode = (ino->mode & S_IFMT) | (a->mode & 07777);
	ino->uid = a->uid, ino->gid = a->gid;
	ino->nlink = (u32)MIN(a->nlink, 0xffffffffUL);
	ino->size = a->size, ino->rdev = a->rdev;
	ino->atime = a->atime, ino->mtime = a->mtime, ino->ctime = a->ctime;
	n->blocks = a->blocks, n->blksize = a->blksize;
	n->qversion = a->qid.version;
}

static struct p9_node *find(struct p9_vol *v, u64 qpath)
{
	for (struct p9_node *n = hash[qpath % HASH]; n; n = n->hnext)
		if (n->ino->ino == qpath && n->vol == v)
			return n;
	return NULL;
}

/* Sets a directory's place (parent and name), holding the parent. */
static void place(struct p9_node *n, struct inode *parent, const char *name, size_t len)
{
	struct inode *ino = n->ino;
	char *copy = kmalloc(len + 1);
	if (copy) {
		memcpy(copy, name, len);
		copy[len] = 0;
		kfree(n->name);
		n->name = copy;
		ino->dir.name = copy;
	}
	if (ino->dir.parent != parent) {
		inode_get(parent);
		if (ino->dir.parent)
			inode_put(ino->dir.parent);
		ino->dir.parent = parent;
	}
}

static struct inode *lookup(struct inode *dir, const char *name, size_t len);
static char *target_of(struct inode *lnk);

/* A new inode for fid (now the inode's) with attributes a, in parent under name. */
static struct inode *make(struct p9_vol *v, u32 fid, const struct p9_attr *a, struct inode *parent, const char *name,
			  size_t len)
{
	struct inode *ino = inode_new(a->mode & S_IFMT);
	struct p9_node *n = kzalloc(sizeof(*n));
	if (!ino || !n) {
		kfree(ino);
		kfree(n);
		return NULL;
	}
	n->ino = ino, n->vol = v, n->fid = fid, n->dirfid = n->created_fid = P9_NOFID;
	n->used = clock_monotonic_ns();
	ino->priv = n;
	ino->fs = &p9_fs;
	ino->ino = a->qid.path;
	set_attrs(n, a);
	if (S_ISREG(ino->mode)) {
		ino->ops = &p9_file;
	} else if (S_ISDIR(ino->mode)) {
		ino->dir.lookup = lookup;
		ino->dir.name = "";
		if (parent)
			place(n, parent, name, len);
	} else if (S_ISLNK(ino->mode)) {
		ino->lnk.make = target_of;
	} else {
		ino->ops = &p9_special; /* host devices, FIFOs and sockets are not opened */
	}
	n->hnext = hash[a->qid.path % HASH];
	hash[a->qid.path % HASH] = n;
	n->next = all;
	if (all)
		all->prev = n;
	all = n;
	if (++count > CACHE_MAX)
		shrink();
	return ino;
}

/* The inode for the file fid was just walked to (qid): the cached one (which takes fid) or a new
 * one; fid is clunked on failure. */
static struct inode *inode_for(struct p9_vol *v, u32 fid, const struct p9_qid *q, struct inode *parent,
			       const char *name, size_t len)
{
	struct p9_node *n = find(v, q->path);
	if (n && ((q->type & P9_QTDIR) != S_ISDIR(n->ino->mode) * P9_QTDIR ||
		  !!(q->type & P9_QTSYMLINK) != S_ISLNK(n->ino->mode))) {
		detach(n); /* the id went to a file of another kind */
		n = NULL;
	}
	if (n) {
		/* the newest walk's fid follows the file where it is now */
		p9_clunk(v->dev, n->fid);
		n->fid = fid;
		n->used = clock_monotonic_ns();
		if (n->qversion != q->version) {
			struct p9_attr a;
			hold(n);
			if (!p9_getattr(v->dev, fid, &a))
				set_attrs(n, &a);
			release(n);
		}
		if (S_ISDIR(n->ino->mode) && parent && n != v->root_node)
			place(n, parent, name, len);
		return n->ino;
	}
	struct p9_attr a;
	struct inode *ino = p9_getattr(v->dev, fid, &a) ? NULL : make(v, fid, &a, parent, name, len);
	if (!ino)
		p9_clunk(v->dev, fid);
	return ino;
}

/* dir.lookup of a volume's directories: NULL when the server has no such name (or fails). */
static struct inode *lookup(struct inode *dir, const char *name, size_t len)
{
	struct p9_node *d = node_of(dir);
	if (d->detached && dir != d->vol->root)
		return NULL;
	u32 fid = p9_fid_new();
	struct p9_qid q;
	hold(d);
	long err = p9_walk(d->vol->dev, d->fid, fid, name, len, &q);
	struct inode *ino = NULL;
	if (err)
		p9_fid_free(fid);
	else
		ino = inode_for(d->vol, fid, &q, dir, name, len);
	release(d);
	return ino;
}

static char *target_of(struct inode *lnk)
{
	struct p9_node *n = node_of(lnk);
	char *t = kmalloc(SYMLINK_BUF);
	if (!t)
		return NULL;
	hold(n);
	long len = p9_readlink(n->vol->dev, n->fid, t, SYMLINK_BUF);
	release(n);
	if (len < 0)
		t[0] = 0; /* an empty target: the walk fails with ENOENT */
	return t;
}

struct p9_vol *p9_mount(struct p9_dev *dev, bool ro, u32 index, struct inode *parent, const char *name)
{
	u32 msize = P9_MSIZE;
	long err = p9_version(dev, &msize);
	if (!err && msize < P9_MSIZE)
		err = -EIO; /* the transport's requests assume the whole size */
	u32 fid = p9_fid_new();
	struct p9_qid q;
	struct p9_attr a;
	if (!err)
		err = p9_attach(dev, fid, &q);
	if (!err)
		err = p9_getattr(dev, fid, &a);
	if (!err && !S_ISDIR(a.mode))
		err = -ENOTDIR;
	struct p9_vol *v = err ? NULL : kzalloc(sizeof(*v));
	if (!v) {
		kerr("volume %s: the 9p server refused it (error %ld)", p9_dev_tag(dev), err ? -err : ENOMEM);
		return NULL;
	}
	v->dev = dev, v->ro = ro, v->index = index;
	struct inode *root = make(v, fid, &a, NULL, NULL, 0);
	if (!root) {
		kfree(v);
		return NULL;
	}
	v->root = root;
	v->root_node = node_of(root);
	long e = dir_add(parent, name, strlen(name), root); /* sets its parent and name */
	if (e) {
		kerr("volume %s: cannot be placed (error %ld)", p9_dev_tag(dev), -e);
		return NULL;
	}
	inode_get(parent); /* as place() does for other directories */
	return v;
}

/* --- attributes --- */

static void getattr(struct inode *ino, struct kstat *st)
{
	struct p9_node *n = node_of(ino);
	struct p9_attr a;
	hold(n);
	if (!p9_getattr(n->vol->dev, n->fid, &a))
		set_attrs(n, &a);
	release(n);
	inode_stat(ino, st);
	st->dev = 0x100 + n->vol->index; /* one device number per volume */
	st->blksize = P9_MAX_DATA;       /* stdio buffers this much: one request per buffer */
	st->blocks = n->blocks;
}

static long setattr(struct inode *ino, u32 valid, u32 mode, u32 uid, u32 gid, u64 size, u64 atime, u64 mtime)
{
	struct p9_node *n = node_of(ino);
	if (n->vol->ro)
		return -EROFS;
	if (valid == FS_SET_SIZE && !size && n->created_fid != P9_NOFID)
		return 0; /* O_TRUNC of the creating open: the file is empty (and its mode may forbid it) */
	struct p9_setattr s = { 0, mode, uid, gid, size, atime, mtime };
	if (valid & FS_SET_MODE)
		s.valid |= P9_SETATTR_MODE;
	if (valid & FS_SET_UID)
		s.valid |= P9_SETATTR_UID;
	if (valid & FS_SET_GID)
		s.valid |= P9_SETATTR_GID;
	if (valid & FS_SET_SIZE)
		s.valid |= P9_SETATTR_SIZE;
	if (valid & FS_SET_ATIME)
		s.valid |= P9_SETATTR_ATIME | P9_SETATTR_ATIME_SET;
	if (valid & FS_SET_MTIME)
		s.valid |= P9_SETATTR_MTIME | P9_SETATTR_MTIME_SET;
	s.valid |= P9_SETATTR_CTIME;
	hold(n);
	long err = p9_setattr(n->vol->dev, n->fid, &s);
	release(n);
	if (!err && (valid & FS_SET_SIZE)) {
		if (S_ISREG(ino->mode) && ino->reg.map)
			reg_truncate(ino, size); /* kept pages past the end read as zero */
		ino->size = size;
	}
	return err;
}

/* --- names --- */

/* Owner of what a process makes: the server makes it as itself (root), with the gid asked; a
 * process running as another user then gets it, as on Linux. */
static void give_to_creator(struct p9_vol *v, u32 fid)
{
	u32 uid = current_uid();
	if (!uid)
		return;
	struct p9_setattr s = { P9_SETATTR_UID, 0, uid, 0, 0, 0, 0 };
	p9_setattr(v->dev, fid, &s);
}

/* The clone of dir's fid becomes the new file, opened with the open's flags; the open that follows
 * takes it (open_op). So the creating open may write a file whose mode forbids it (0444), as on
 * Linux, where opening it again would fail when ukify does not run as root. */
static long create(struct inode *dir, const char *name, size_t len, u32 mode, int flags, struct inode **out)
{
	struct p9_node *d = node_of(dir);
	struct p9_vol *v = d->vol;
	if (v->ro)
		return -EROFS;
	u32 fid = p9_fid_new();
	struct p9_qid q;
	hold(d);
	long err = p9_walk(v->dev, d->fid, fid, NULL, 0, &q);
	if (err) {
		p9_fid_free(fid);
		release(d);
		return err;
	}
	err = p9_lcreate(v->dev, fid, name, len, ((u32)flags & OPEN_FLAGS) | O_EXCL, mode, current_gid(), &q);
	if (!err) {
		give_to_creator(v, fid);
		*out = lookup(dir, name, len);
		if (!*out)
			err = -ENOENT;
	}
	if (!err) {
		struct p9_node *n = node_of(*out);
		if (n->created_fid != P9_NOFID)
			p9_clunk(v->dev, n->created_fid);
		n->created_fid = fid;
		n->created_flags = (u32)flags & OPEN_FLAGS;
	} else {
		p9_clunk(v->dev, fid);
	}
	release(d);
	return err;
}

static long mkdir(struct inode *dir, const char *name, size_t len, u32 mode)
{
	struct p9_node *d = node_of(dir);
	if (d->vol->ro)
		return -EROFS;
	struct p9_qid q;
	hold(d);
	long err = p9_mkdir(d->vol->dev, d->fid, name, len, mode, current_gid(), &q);
	if (!err && current_uid()) {
		struct inode *ino = lookup(dir, name, len);
		if (ino)
			give_to_creator(d->vol, node_of(ino)->fid);
	}
	release(d);
	return err;
}

static long symlink(const char *target, struct inode *dir, const char *name, size_t len)
{
	struct p9_node *d = node_of(dir);
	if (d->vol->ro)
		return -EROFS;
	hold(d);
	long err = p9_symlink(d->vol->dev, d->fid, name, len, target, current_gid());
	release(d);
	return err;
}

static long link(struct inode *ino, struct inode *dir, const char *name, size_t len)
{
	struct p9_node *d = node_of(dir);
	if (!p9_inode(ino) || node_of(ino)->vol != d->vol)
		return -EXDEV;
	if (d->vol->ro)
		return -EROFS;
	struct p9_node *n = node_of(ino);
	hold(d), hold(n);
	long err = p9_link(d->vol->dev, d->fid, n->fid, name, len);
	release(n), release(d);
	return err;
}

static bool is_dotdot(const char *name, size_t len) { return len == 2 && name[0] == '.' && name[1] == '.'; }

/* The cached directory named name in dir, if any (directories know their names). */
static struct p9_node *cached_dir(struct inode *dir, const char *name, size_t len)
{
	for (struct p9_node *n = all; n; n = n->next)
		if (S_ISDIR(n->ino->mode) && n->ino->dir.parent == dir && !n->detached && n->name &&
		    !strncmp(n->name, name, len) && !n->name[len])
			return n;
	return NULL;
}

static long remove(struct inode *dir, const char *name, size_t len, bool is_dir, bool trailing)
{
	struct p9_node *d = node_of(dir);
	if (d->vol->ro)
		return -EROFS;
	if (!is_dir && trailing) {
		struct inode *ino = lookup(dir, name, len);
		return !ino ? -ENOENT : S_ISDIR(ino->mode) ? -EISDIR : -ENOTDIR;
	}
	hold(d);
	long err = p9_unlinkat(d->vol->dev, d->fid, name, len, is_dir);
	if (!err && is_dir) {
		struct p9_node *gone = cached_dir(dir, name, len);
		if (gone)
			detach(gone);
	}
	release(d);
	return err;
}

static long rename(struct inode *from, const char *on, size_t ol, struct inode *to, const char *nn, size_t nl,
		   u32 flags, bool trailing)
{
	if (!p9_inode(from) || !p9_inode(to) || node_of(from)->vol != node_of(to)->vol)
		return -EXDEV;
	struct p9_node *f = node_of(from), *t = node_of(to);
	if (f->vol->ro)
		return -EROFS;
	/* 9P2000.L's rename has no flags: RENAME_NOREPLACE is a look first (a host that makes the name
	 * meanwhile loses it), RENAME_EXCHANGE cannot be done (EINVAL, as Linux's 9p client) */
	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && !lookup(from, on, ol))
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && lookup(to, nn, nl))
		return -EEXIST;
	if (trailing) {
		struct inode *src = lookup(from, on, ol);
		if (!src)
			return -ENOENT;
		if (!S_ISDIR(src->mode))
			return -ENOTDIR;
	}
	hold(f), hold(t);
	long err = p9_renameat(f->vol->dev, f->fid, on, ol, t->fid, nn, nl);
	if (!err) {
		struct p9_node *replaced = cached_dir(to, nn, nl), *moved = cached_dir(from, on, ol);
		if (replaced && replaced != moved)
			detach(replaced);
		if (moved)
			place(moved, to, nn, nl);
	}
	release(t), release(f);
	return err;
}

/* --- directories --- */

struct listing {
	struct inode *dir;
	bool (*emit)(void *, const char *, u64, u32, u64);
	void *ctx;
	u64 pos;
	bool full;
};

static bool list_one(void *ctx, const char *name, size_t len, const struct p9_qid *q, u8 type, u64 next)
{
	struct listing *l = ctx;
	u64 ino = q->path;
	struct inode *dir = l->dir;
	if (is_dotdot(name, len) && node_of(dir)->vol->root == dir)
		ino = dir->dir.parent->ino; /* the volume's root: ".." is the guest directory it is in */
	if (!l->emit(l->ctx, name, ino, DT_TO_MODE(type), next)) {
		l->full = true;
		return false;
	}
	l->pos = next;
	return true;
}

static u64 readdir(struct inode *dir, u64 pos, bool (*emit)(void *, const char *, u64, u32, u64), void *ctx)
{
	struct p9_node *d = node_of(dir);
	struct p9_dev *dev = d->vol->dev;
	hold(d);
	if (d->dirfid == P9_NOFID) {
		u32 fid = p9_fid_new();
		struct p9_qid q;
		if (p9_walk(dev, d->fid, fid, NULL, 0, &q)) {
			p9_fid_free(fid);
		} else if (p9_lopen(dev, fid, O_RDONLY | O_DIRECTORY)) {
			p9_clunk(dev, fid);
		} else {
			d->dirfid = fid;
		}
	}
	struct listing l = { dir, emit, ctx, pos, false };
	while (d->dirfid != P9_NOFID && !l.full && p9_readdir(dev, d->dirfid, l.pos, list_one, &l) > 0)
		;
	release(d);
	dir->atime = fs_now_ns();
	return l.pos;
}

/* --- open files: file->priv is the opened fid --- */

static u32 fid_of(const struct file *f) { return (u32)(u64)f->priv; }

static long open_op(struct file *f)
{
	struct p9_node *n = node_of(f->ino);
	bool writes = (f->flags & O_ACCMODE) != O_RDONLY;
	if (writes && n->vol->ro)
		return -EROFS;
	if (n->created_fid != P9_NOFID && n->created_flags == (f->flags & OPEN_FLAGS)) {
		f->priv = (void *)(u64)n->created_fid; /* the creating open */
		n->created_fid = P9_NOFID;
		return 0;
	}
	u32 fid = p9_fid_new();
	struct p9_qid q;
	hold(n);
	long err = p9_walk(n->vol->dev, n->fid, fid, NULL, 0, &q);
	if (err) {
		p9_fid_free(fid);
	} else if ((err = p9_lopen(n->vol->dev, fid, f->flags & OPEN_FLAGS))) {
		p9_clunk(n->vol->dev, fid);
	} else {
		f->priv = (void *)(u64)fid;
	}
	release(n);
	return err;
}

static void release_op(struct file *f)
{
	if (f->priv)
		p9_clunk(dev_of(f->ino), fid_of(f));
}

/* Pages kept for shared mappings hold the file's newest bytes: a read takes them, a write goes
 * into them too. buf is the app's memory or the kernel's (checked here: the request slept). */
static bool overlay(struct inode *ino, u8 *buf, u64 len, u64 off, bool write)
{
	if (!ino->reg.map || !len)
		return true;
	if ((u64)buf < USER_TOP && !user_range_ok((u64)buf, len, !write))
		return false;
	for (u64 done = 0; done < len;) {
		u64 pos = off + done, in = pos % PAGE_SIZE, k = MIN(len - done, PAGE_SIZE - in);
		u64 pa = reg_frame(ino, pos / PAGE_SIZE);
		if (pa && write)
			memcpy((u8 *)phys_to_virt(pa) + in, buf + done, k);
		else if (pa)
			memcpy(buf + done, (u8 *)phys_to_virt(pa) + in, k);
		done += k;
	}
	return true;
}

/* Reads and writes go in requests of at most P9_MAX_DATA bytes; a short one ends the call. */
static long file_io(struct file *f, u8 *buf, u64 len, u64 off, bool write)
{
	struct p9_node *n = node_of(f->ino);
	u64 done = 0;
	long err = 0;
	hold(n);
	while (done < len) {
		u32 want = (u32)MIN(len - done, P9_MAX_DATA);
		long got = write ? p9_write(n->vol->dev, fid_of(f), off + done, buf + done, want)
				 : p9_read(n->vol->dev, fid_of(f), off + done, buf + done, want);
		if (got > 0 && !overlay(f->ino, buf + done, (u64)got, off + done, write))
			got = -EFAULT;
		if (got <= 0) {
			err = got;
			break;
		}
		done += (u64)got;
		if ((u32)got < want)
			break;
	}
	release(n);
	if (write && done) {
		f->ino->size = MAX(f->ino->size, off + done);
		f->ino->mtime = f->ino->ctime = fs_now_ns();
	}
	return done ? (long)done : err;
}

static long read_op(struct file *f, u8 *buf, u64 len, u64 off) { return file_io(f, buf, len, off, false); }
static long write_op(struct file *f, const u8 *buf, u64 len, u64 off) { return file_io(f, (u8 *)buf, len, off, true); }

static u64 readable_op(struct file *f) { return f->ino->size > f->off ? f->ino->size - f->off : 0; }

static const struct file_ops p9_file = {
	.open = open_op,
	.read = read_op,
	.write = write_op,
	.release = release_op,
	.readable = readable_op,
	.seekable = true,
};

static long special_open(struct file *f)
{
	(void)f;
	return -ENXIO;
}

static const struct file_ops p9_special = { .open = special_open };

static long writeback(struct file *f);

static long fsync(struct file *f, bool datasync)
{
	if (f->ino->ops != &p9_file || !f->priv)
		return 0; /* directories: nothing of ours to flush */
	struct p9_node *n = node_of(f->ino);
	long wb = writeback(f);
	if (wb)
		return wb;
	hold(n);
	long err = p9_fsync(n->vol->dev, fid_of(f), datasync);
	release(n);
	return err;
}

static long statfs(struct inode *ino, struct kstatfs *out)
{
	struct p9_node *n = node_of(ino);
	struct p9_statfs s;
	hold(n);
	long err = p9_statfs(n->vol->dev, n->fid, &s);
	release(n);
	/* the host file system's own numbers, its type included (as Linux's 9p client and a bind mount) */
	if (!err)
		*out = (struct kstatfs){ s.type, s.bsize, s.blocks, s.bfree, s.bavail, s.files, s.ffree, s.namelen, n->vol->ro };
	return err;
}

static long read_page(struct file *f, u64 idx, u8 *dst)
{
	long n = file_io(f, dst, PAGE_SIZE, idx * PAGE_SIZE, false);
	if (n < 0)
		return n;
	memset(dst + n, 0, PAGE_SIZE - (u64)n);
	return 0;
}

/* --- shared mappings --- */

static u64 map_page(struct file *f, u64 idx)
{
	struct inode *ino = f->ino;
	u64 pa = reg_frame(ino, idx);
	if (pa)
		return pa;
	u64 fresh = pmm_alloc_uninit();
	if (!fresh)
		return 0;
	if (read_page(f, idx, phys_to_virt(fresh))) {
		memset(phys_to_virt(fresh), 0, PAGE_SIZE); /* unreadable: zeros, as past the end */
	}
	pa = reg_install(ino, idx, fresh); /* another fault may have kept one meanwhile */
	if (pa != fresh)
		pmm_free(fresh);
	return pa;
}

/* Every kept page (up to the size) back to the file, through f's fid when f may write. */
static long writeback(struct file *f)
{
	struct inode *ino = f->ino;
	if (!ino->reg.map || !f->priv || (f->flags & O_ACCMODE) == O_RDONLY)
		return 0;
	struct p9_node *n = node_of(ino);
	long err = 0;
	hold(n);
	for (u64 idx = 0; idx * PAGE_SIZE < ino->size && !err; idx++) {
		u64 pa = reg_frame(ino, idx);
		u32 len = (u32)MIN(PAGE_SIZE, ino->size - idx * PAGE_SIZE);
		long got = pa ? p9_write(n->vol->dev, fid_of(f), idx * PAGE_SIZE, phys_to_virt(pa), len) : (long)len;
		if (got < 0)
			err = got;
	}
	release(n);
	return err;
}

static void unmapped(struct inode *ino)
{
	if (S_ISREG(ino->mode) && ino->reg.map)
		reg_free(ino);
}

/* The size, asked again of the server (the host may have grown the file). */
static u64 size_now(struct inode *ino)
{
	struct kstat st;
	getattr(ino, &st);
	return st.size;
}

static bool mount_root(const struct inode *ino) { return node_of(ino)->vol->root == ino; }

static const struct fs_ops p9_fs = {
	.getattr = getattr,
	.setattr = setattr,
	.create = create,
	.mkdir = mkdir,
	.remove = remove,
	.rename = rename,
	.link = link,
	.symlink = symlink,
	.readdir = readdir,
	.fsync = fsync,
	.statfs = statfs,
	.read_page = read_page,
	.map_page = map_page,
	.writeback = writeback,
	.unmapped = unmapped,
	.size_now = size_now,
	.mount_root = mount_root,
};
