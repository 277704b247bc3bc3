/* Path resolution: components, ".", "..", symlinks (at most SYMLOOP_MAX followed per lookup, then
 * ELOOP), trailing slashes. Recursion only happens through symlinks, so it is bounded. */
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "thread.h"
#include "vfs.h"

bool fs_trace_missing;

/* Where absolute paths start: the process's root (the real root before the first process). */
static struct inode *root_dir(void) { return current ? fs_current()->root : fs_root; }

/* Logs a path not found, made absolute from dir, when tracing is on; returns err. */
static long traced(struct inode *dir, const char *path, long err)
{
	if (err != -ENOENT || !fs_trace_missing)
		return err;
	char *base = pathbuf_get();
	if (!base)
		return err;
	if (path[0] == '/' || dir_path(dir, base, PATH_MAX) < 0)
		base[0] = 0;
	bool slash = base[0] && strcmp(base, "/");
	kerr("missing-file %s%s%s", base, slash ? "/" : "", path);
	pathbuf_put(base);
	return err;
}

char *pathbuf_get(void)
{
	u64 pa = pmm_alloc();
	return pa ? phys_to_virt(pa) : NULL;
}

void pathbuf_put(char *buf)
{
	if (buf)
		pmm_free(virt_to_phys(buf));
}

char *link_target(struct inode *lnk)
{
	if (lnk->lnk.make)
		return lnk->lnk.make(lnk);
	size_t n = strlen(lnk->lnk.target);
	char *t = kmalloc(n + 1);
	if (t)
		memcpy(t, lnk->lnk.target, n + 1);
	return t;
}

static long walk(struct inode *dir, const char *path, int flags, int *links, struct inode **out);

static long follow(struct inode *dir, struct inode *lnk, int *links, struct inode **out)
{
	if (++*links > SYMLOOP_MAX)
		return -ELOOP;
	struct inode *to = lnk->lnk.jump ? lnk->lnk.jump(lnk) : NULL;
	if (to) {
		*out = to;
		return 0;
	}
	char *t = link_target(lnk);
	if (!t)
		return -ENOMEM;
	long err = *t ? walk(dir, t, LOOKUP_FOLLOW, links, out) : -ENOENT;
	kfree(t);
	return err;
}

/* One step from dir by the name [name, name+len). */
static long step(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	if (len == 1 && name[0] == '.') {
		*out = dir;
	} else if (len == 2 && name[0] == '.' && name[1] == '.') {
		*out = dir == fs_root || dir == root_dir() ? dir : dir->dir.parent;
	} else {
		*out = dir_lookup(dir, name, len);
	}
	return *out ? 0 : -ENOENT;
}

static long walk(struct inode *dir, const char *path, int flags, int *links, struct inode **out)
{
	const char *p = path;
	if (*p == '/')
		dir = root_dir();
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {
			*out = dir; /* "/", or a path ending in "/": must be a directory */
			return S_ISDIR(dir->mode) ? 0 : -ENOTDIR;
		}
		const char *name = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - name);
		bool slash = *p == '/';
		const char *rest = p;
		while (*rest == '/')
			rest++;
		bool last = !*rest;
		struct inode *next;
		long err = step(dir, name, len, &next);
		if (err)
			return err;
		if (S_ISLNK(next->mode) && (!last || slash || (flags & LOOKUP_FOLLOW))) {
			err = follow(dir, next, links, &next);
			if (err)
				return err;
		}
		if (last) {
			if ((slash || (flags & LOOKUP_DIRECTORY)) && !S_ISDIR(next->mode))
				return -ENOTDIR;
			*out = next;
			return 0;
		}
		dir = next;
	}
}

long path_lookup(struct inode *dir, const char *path, int flags, struct inode **out)
{
	if (!*path)
		return -ENOENT;
	int links = 0;
	return traced(dir, path, walk(dir, path, flags, &links, out));
}

long path_parent(struct inode *dir, const char *path, struct inode **parent, const char **name, size_t *len)
{
	if (!*path)
		return -ENOENT;
	/* the last component, ignoring trailing slashes */
	const char *end = path + strlen(path);
	while (end > path && end[-1] == '/')
		end--;
	const char *start = end;
	while (start > path && start[-1] != '/')
		start--;
	if (start == end) { /* "/" */
		*parent = root_dir();
		*name = ".";
		*len = 1;
		return 0;
	}
	*name = start;
	*len = (size_t)(end - start);
	if (*len > NAME_MAX)
		return -ENAMETOOLONG;
	if (start == path) {
		*parent = *path == '/' ? root_dir() : dir;
		return S_ISDIR((*parent)->mode) ? 0 : -ENOTDIR;
	}
	/* resolve the prefix (with its trailing '/') from a copy */
	size_t n = (size_t)(start - path);
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	char *prefix = pathbuf_get();
	if (!prefix)
		return -ENOMEM;
	memcpy(prefix, path, n);
	prefix[n] = 0;
	int links = 0;
	long err = walk(dir, prefix, LOOKUP_FOLLOW, &links, parent);
	pathbuf_put(prefix);
	return traced(dir, path, err);
}

long vfs_realpath(const char *path, char *buf, size_t size)
{
	size_t n = strlen(path);
	if (n >= PATH_MAX)
		return -ENAMETOOLONG;
	char *cur = pathbuf_get();
	char *name = kmalloc(NAME_MAX + 1);
	long err = cur && name ? -ELOOP : -ENOMEM;
	if (cur)
		memcpy(cur, path, n + 1);
	for (int links = 0; cur && name && links <= SYMLOOP_MAX; links++) {
		struct inode *parent, *ino;
		const char *last;
		size_t len;
		err = path_parent(fs_current()->cwd, cur, &parent, &last, &len);
		if (!err) {
			memcpy(name, last, len);
			name[len] = 0;
			err = path_lookup(parent, name, 0, &ino);
		}
		if (err)
			break;
		if (!S_ISLNK(ino->mode)) {
			/* a directory's own path ("." or ".." last included); a file's is its parent's and its name */
			bool dir = S_ISDIR(ino->mode);
			err = dir_path(dir ? ino : parent, buf, size);
			if (err >= 0 && !dir)
				err = snprintf(buf + err, size - (size_t)err, "%s%s", err == 1 ? "" : "/", name) < (int)(size - (size_t)err) ? 0 : -ENAMETOOLONG;
			break;
		}
		char *target = link_target(ino);
		if (!target || dir_path(parent, buf, size) < 0) {
			kfree(target);
			err = -ENOMEM;
			break;
		}
		/* the next path: the target, from the link's directory when it is relative */
		int m = target[0] == '/' ? snprintf(cur, PATH_MAX, "%s", target) : snprintf(cur, PATH_MAX, "%s/%s", buf, target);
		kfree(target);
		if (m >= PATH_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
	}
	kfree(name);
	pathbuf_put(cur);
	return err < 0 ? err : 0;
}
