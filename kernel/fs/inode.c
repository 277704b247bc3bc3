/* Inodes of the ramfs: allocation, reference counts, timestamps. An inode is freed when no
 * directory names it and nothing (open file, mapping, working directory) refers to it. */
#include "clock.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "vfs.h"

struct inode *fs_root;
static u64 next_ino = 1;

u64 fs_now_ns(void) { return clock_realtime_ns(); }

struct inode *inode_new(u32 mode)
{
	struct inode *ino = kzalloc(sizeof(*ino));
	if (!ino)
		return NULL;
	ino->mode = mode;
	ino->ino = next_ino++;
	ino->atime = ino->mtime = ino->ctime = fs_now_ns();
	return ino;
}

void inode_get(struct inode *ino) { ino->refs++; }

static void inode_free(struct inode *ino)
{
	if (S_ISREG(ino->mode) && !ino->ops)
		reg_free(ino);
	else if (S_ISLNK(ino->mode))
		kfree(ino->lnk.target);
	kfree(ino);
}

void inode_put(struct inode *ino)
{
	if (ino->refs)
		ino->refs--;
	/* a volume's inodes belong to its cache (fs/9pfs.c), which drops them */
	if (!ino->refs && !ino->nlink && ino != fs_root && !ino->fs)
		inode_free(ino);
}

void inode_touch(struct inode *ino, bool modified)
{
	u64 now = fs_now_ns();
	if (modified)
		ino->mtime = now;
	ino->ctime = now;
}
