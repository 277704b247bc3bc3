/* Opening by path (open/openat/creat and the kernel's vfs_open), and the public VFS API. */
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "vfs.h"

/* Makes the absolute form of path opened from base (a directory's path, NULL for the root). */
static char *absolute(const char *base, const char *path)
{
	char *buf = pathbuf_get();
	if (!buf)
		return NULL;
	if (path[0] == '/' || !base)
		snprintf(buf, PATH_MAX, "%s%s", path[0] == '/' ? "" : "/", path);
	else
		snprintf(buf, PATH_MAX, "%s%s%s", base, base[strlen(base) - 1] == '/' ? "" : "/", path);
	return buf;
}

static long create(struct inode *dir, const char *path, int flags, u32 mode, struct inode **out)
{
	struct inode *parent;
	const char *name;
	size_t len;
	long err = path_parent(dir, path, &parent, &name, &len);
	if (err)
		return err;
	if (path[strlen(path) - 1] == '/' || (len == 1 && name[0] == '.') || (len == 2 && !strncmp(name, "..", 2)))
		return -EISDIR;
	struct inode *ino = dir_lookup(parent, name, len);
	if (ino) {
		if (flags & O_EXCL)
			return -EEXIST;
		if (S_ISLNK(ino->mode)) {
			if (flags & O_NOFOLLOW)
				return -ELOOP;
			return path_lookup(dir, path, LOOKUP_FOLLOW, out);
		}
		*out = ino;
		return 0;
	}
	if (!parent->dir.parent && parent != fs_root)
		return -ENOENT; /* the directory was removed */
	if (parent->fs)
		return parent->fs->create(parent, name, len, mode & 07777 & ~fs_current()->umask, flags, out);
	ino = inode_new(S_IFREG | (mode & 07777 & ~fs_current()->umask));
	if (!ino)
		return -ENOMEM;
	err = dir_add(parent, name, len, ino);
	if (err) {
		inode_put(ino);
		return err;
	}
	*out = ino;
	return 0;
}

long fs_openat(struct inode *dir, const char *base, const char *path, int flags, u32 mode, struct file **out)
{
	struct inode *ino;
	long err;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if (flags & O_CREAT)
		err = create(dir, path, flags, mode, &ino);
	else
		err = path_lookup(dir, path, ((flags & O_NOFOLLOW) ? 0 : LOOKUP_FOLLOW) |
						((flags & O_DIRECTORY) ? LOOKUP_DIRECTORY : 0), &ino);
	if (err)
		return err;
	char *abs = absolute(base, path);
	err = file_open_inode(ino, flags, abs, out);
	pathbuf_put(abs);
	return err;
}

/* The working directory's path, kmalloc'd in a path buffer (NULL when unknown). */
char *cwd_path(void)
{
	char *buf = pathbuf_get();
	if (buf && dir_path(fs_current()->cwd, buf, PATH_MAX) < 0) {
		pathbuf_put(buf);
		return NULL;
	}
	return buf;
}

long vfs_open(const char *path, int flags, u32 mode, struct file **out)
{
	char *cwd = cwd_path();
	long err = fs_openat(fs_current()->cwd, cwd, path, flags, mode, out);
	pathbuf_put(cwd);
	return err;
}

long vfs_pread(struct file *f, void *buf, u64 len, u64 off)
{
	if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	return file_read(f, buf, len, off);
}

long vfs_chdir(const char *path)
{
	struct inode *ino;
	long err = path_lookup(fs_current()->cwd, path, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &ino);
	if (!err)
		fs_set_cwd(ino);
	return err;
}

u64 vfs_size(const struct file *f) { return f->ino->size; }

void vfs_close(struct file *f) { file_put(f); }
