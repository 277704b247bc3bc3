/* Open files: an inode, an offset, the open flags; shared by dup'ed descriptors. */
#include "epoll.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "vfs.h"

struct file *file_new(struct inode *ino, u32 flags, const char *path)
{
	struct file *f = kzalloc(sizeof(*f));
	if (!f)
		return NULL;
	f->ino = ino;
	f->flags = flags;
	f->refs = 1;
	size_t n = path ? strlen(path) : 0;
	if (n && n < 1024 && (f->path = kmalloc(n + 1)))
		memcpy(f->path, path, n + 1);
	inode_get(ino);
	return f;
}

void file_get(struct file *f) { f->refs++; }

void file_put(struct file *f)
{
	if (--f->refs)
		return;
	if (f->epitems)
		epoll_forget_file(f);
	if (f->ino->ops && f->ino->ops->release && !(f->flags & O_PATH))
		f->ino->ops->release(f);
	inode_put(f->ino);
	kfree(f->path);
	kfree(f);
}

long file_read(struct file *f, u8 *buf, u64 len, u64 off)
{
	struct inode *ino = f->ino;
	if (ino->ops)
		return ino->ops->read ? ino->ops->read(f, buf, len, off) : -EINVAL;
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode))
		return -EINVAL;
	ino->atime = fs_now_ns();
	return reg_read(ino, buf, len, off);
}

long file_write(struct file *f, const u8 *buf, u64 len, u64 off)
{
	struct inode *ino = f->ino;
	if (ino->ops)
		return ino->ops->write ? ino->ops->write(f, buf, len, off) : -EINVAL;
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode))
		return -EINVAL;
	long n = reg_write(ino, buf, len, off);
	if (n > 0)
		inode_touch(ino, true);
	return n;
}

bool file_seekable(const struct file *f) { return !f->ino->ops || f->ino->ops->seekable; }

u64 file_read_limit(const struct file *f, u64 off, u64 len)
{
	if (!vfs_is_data_file(f->ino))
		return len;
	/* a volume's file may have grown on the host: the server is asked before a read past its end */
	u64 size = f->ino->fs && off + len > f->ino->size ? f->ino->fs->size_now(f->ino) : f->ino->size;
	return off < size ? MIN(len, size - off) : 0;
}

long file_ioctl(struct file *f, long req, u64 arg)
{
	const struct file_ops *ops = f->ino->ops;
	return ops && ops->ioctl ? ops->ioctl(f, req, arg) : -ENOTTY;
}

long file_readable(struct file *f)
{
	const struct file_ops *ops = f->ino->ops;
	if (ops && ops->readable)
		return (long)MIN(ops->readable(f), 0x7fffffffUL);
	if (S_ISREG(f->ino->mode))
		return (long)(f->ino->size > f->off ? MIN(f->ino->size - f->off, 0x7fffffffUL) : 0);
	return -ENOTTY;
}

long file_open_inode(struct inode *ino, int flags, const char *path, struct file **out)
{
	if (flags & O_PATH) {
		*out = file_new(ino, (u32)flags & (O_PATH | O_DIRECTORY | O_NOFOLLOW), path);
		return *out ? 0 : -ENOMEM;
	}
	bool writes = (flags & O_ACCMODE) != O_RDONLY;
	if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
		return -ENOTDIR;
	if (S_ISDIR(ino->mode) && (writes || (flags & O_CREAT)))
		return -EISDIR;
	if (S_ISLNK(ino->mode))
		return -ELOOP; /* reached only with O_NOFOLLOW */
	if ((flags & O_ACCMODE) == O_ACCMODE)
		return -EINVAL;
	if ((flags & O_TRUNC) && writes && vfs_is_data_file(ino)) {
		long err = vfs_truncate(ino, 0);
		if (err)
			return err;
	}
	struct file *f = file_new(ino, (u32)flags & ~(u32)(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC), path);
	if (!f)
		return -ENOMEM;
	if (ino->ops && ino->ops->open) {
		long err = ino->ops->open(f);
		if (err) {
			f->ino->refs--; /* undo without release: open failed */
			kfree(f->path);
			kfree(f);
			return err;
		}
	}
	*out = f;
	return 0;
}
