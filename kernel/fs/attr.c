/* Inode attributes (stat, chmod, chown, times), sizes (truncate, fallocate), directory listings
 * and directories' paths: what the syscalls ask of an inode. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "vfs.h"

#define FALLOC_FL_KEEP_SIZE 1
#define FALLOC_FL_PUNCH_HOLE 2

bool vfs_is_data_file(const struct inode *ino) { return S_ISREG(ino->mode) && !ino->ops; }

void vfs_getattr(struct inode *ino, struct kstat *st)
{
	/* pseudo files (devices, pipes, /proc) are on another "file system" and report size 0 */
	u64 size = ino->ops ? 0 : ino->size;
	*st = (struct kstat){
		.dev = ino->ops ? 5 : 1,
		.ino = ino->ino,
		.nlink = ino->nlink || ino->ops ? MAX(ino->nlink, 1U) : 0, /* 0: unlinked, still open */
		.rdev = ino->rdev,
		.size = size,
		.blksize = ino->ops ? 1024 : PAGE_SIZE,
		.blocks = ALIGN_UP(size, PAGE_SIZE) / 512,
		.mode = ino->mode,
		.uid = ino->uid,
		.gid = ino->gid,
		.atime = ino->atime,
		.mtime = ino->mtime,
		.ctime = ino->ctime,
	};
}

void vfs_chmod(struct inode *ino, u32 mode)
{
	ino->mode = (ino->mode & S_IFMT) | (mode & 07777);
	inode_touch(ino, false);
}

void vfs_chown(struct inode *ino, u32 uid, u32 gid)
{
	if (uid != ~0U)
		ino->uid = uid;
	if (gid != ~0U)
		ino->gid = gid;
	inode_touch(ino, false);
}

void vfs_set_times(struct inode *ino, u64 atime, u64 mtime)
{
	ino->atime = atime;
	ino->mtime = mtime;
	ino->ctime = fs_now_ns();
}

void vfs_touch_atime(struct inode *ino) { ino->atime = fs_now_ns(); }

long vfs_truncate(struct inode *ino, u64 size)
{
	long err = reg_truncate(ino, size);
	if (!err)
		inode_touch(ino, true);
	return err;
}

long vfs_fallocate(struct inode *ino, int mode, u64 off, u64 len)
{
	u64 end = off + len;
	if (mode == (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE)) {
		u8 zeros[256] = { 0 };
		for (u64 at = off; at < MIN(end, ino->size); at += sizeof(zeros))
			reg_write(ino, zeros, MIN(sizeof(zeros), MIN(end, ino->size) - at), at);
		return 0;
	}
	if (mode & ~FALLOC_FL_KEEP_SIZE)
		return -EOPNOTSUPP;
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > ino->size)
		return vfs_truncate(ino, end);
	return 0; /* pages are made when written: nothing is reserved */
}

u64 vfs_readdir(struct inode *dir, u64 pos, bool (*emit)(void *ctx, const char *name, u64 ino, u32 mode, u64 next),
		void *ctx)
{
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
