/* Inode attributes (stat, chmod, chown, times), sizes (truncate, fallocate), directory listings
 * and directories' paths: what the syscalls ask of an inode. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "vfs.h"

#define FALLOC_FL_KEEP_SIZE 1
#define FALLOC_FL_PUNCH_HOLE 2

bool vfs_is_data_file(const struct inode *ino) { return S_ISREG(ino->mode) && (!ino->ops || ino->fs); }

void inode_stat(const struct inode *ino, struct kstat *st)
{
	*st = (struct kstat){
		.ino = ino->ino,
		.nlink = ino->nlink,
		.rdev = ino->rdev,
		.size = ino->size,
		.mode = ino->mode,
		.uid = ino->uid,
		.gid = ino->gid,
		.atime = ino->atime,
		.mtime = ino->mtime,
		.ctime = ino->ctime,
	};
}

void vfs_getattr(struct inode *ino, struct kstat *st)
{
	if (ino->fs) {
		ino->fs->getattr(ino, st);
		return;
	}
	inode_stat(ino, st);
	/* pseudo files (devices, pipes, /proc) are on another "file system" and report size 0 */
	st->dev = ino->ops ? 5 : 1;
	st->nlink = ino->nlink || ino->ops ? MAX(ino->nlink, 1U) : 0; /* 0: unlinked, still open */
	st->size = ino->ops ? 0 : ino->size;
	st->blksize = ino->ops ? 1024 : PAGE_SIZE;
	st->blocks = ALIGN_UP(st->size, PAGE_SIZE) / 512;
}

long vfs_chmod(struct inode *ino, u32 mode)
{
	if (ino->fs)
		return ino->fs->setattr(ino, FS_SET_MODE, mode & 07777, 0, 0, 0, 0, 0);
	ino->mode = (ino->mode & S_IFMT) | (mode & 07777);
	inode_touch(ino, false);
	return 0;
}

long vfs_chown(struct inode *ino, u32 uid, u32 gid)
{
	if (ino->fs)
		return ino->fs->setattr(ino, (uid != ~0U ? FS_SET_UID : 0) | (gid != ~0U ? FS_SET_GID : 0), 0, uid, gid, 0,
					0, 0);
	if (uid != ~0U)
		ino->uid = uid;
	if (gid != ~0U)
		ino->gid = gid;
	inode_touch(ino, false);
	return 0;
}

long vfs_set_times(struct inode *ino, u64 atime, u64 mtime)
{
	if (ino->fs)
		return ino->fs->setattr(ino, FS_SET_ATIME | FS_SET_MTIME, 0, 0, 0, 0, atime, mtime);
	ino->atime = atime;
	ino->mtime = mtime;
	ino->ctime = fs_now_ns();
	return 0;
}

void vfs_touch_atime(struct inode *ino) { ino->atime = fs_now_ns(); }

long vfs_truncate(struct inode *ino, u64 size)
{
	if (ino->fs)
		return ino->fs->setattr(ino, FS_SET_SIZE, 0, 0, 0, size, 0, 0);
	long err = reg_truncate(ino, size);
	if (!err)
		inode_touch(ino, true);
	return err;
}

long vfs_fallocate(struct inode *ino, int mode, u64 off, u64 len)
{
	u64 end = off + len;
	if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) && !ino->fs) {
		u8 zeros[256] = { 0 };
		for (u64 at = off; at < MIN(end, ino->size); at += sizeof(zeros))
			reg_write(ino, zeros, MIN(sizeof(zeros), MIN(end, ino->size) - at), at);
		return 0;
	}
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP; /* a volume's holes too: 9P2000.L cannot punch them */
	if (!ino->fs) {
		/* the ramfs's pages are made now, as tmpfs does: ENOSPC here rather than at a later write */
		long err = reg_allocate(ino, off, len);
		if (err)
			return err;
	}
	u64 size = ino->fs ? ino->fs->size_now(ino) : ino->size;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > size)
		return vfs_truncate(ino, end);
	return 0; /* a volume's pages are made by the host when written: nothing is reserved */
}

u64 vfs_readdir(struct inode *dir, u64 pos, bool (*emit)(void *ctx, const char *name, u64 ino, u32 mode, u64 next),
		void *ctx)
{
	if (dir->fs)
		return dir->fs->readdir(dir, pos, emit, ctx);
	for (;;) {
		struct inode *ino = NULL;
		const char *name;
		char dyn[24];
		u64 next = pos + 1;
		if (pos == 0) {
			ino = dir, name = ".";
		} else if (pos == 1) {
			ino = dir->dir.parent ? dir->dir.parent : dir, name = "..";
		} else if (!dir_entry_at(dir, pos, dyn, sizeof(dyn), &name, &ino, &next)) {
			break;
		}
		if (!ino || !emit(ctx, name, ino->ino, ino->mode, next))
			break;
		pos = next;
	}
	dir->atime = fs_now_ns();
	return pos;
}

long vfs_path(struct inode *dir, char *buf, size_t size) { return dir_path(dir, buf, size); }

long vfs_statfs(struct inode *ino, struct kstatfs *out) { return ino->fs ? ino->fs->statfs(ino, out) : -ENOSYS; }

long vfs_fsync(struct file *f, bool datasync) { return f->ino->fs ? f->ino->fs->fsync(f, datasync) : 0; }
