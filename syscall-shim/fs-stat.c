/* stat in its forms, access checks, statfs. */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "syscalls.h"
#include "uaccess.h"
#include "vfs.h"

#define R_OK 4
#define W_OK 2
#define X_OK 1
#define TMPFS_MAGIC 0x01021994
#define STATX_BASIC_STATS 0x7ff
#define NS 1000000000UL

struct stat_k {
	u64 dev, ino, nlink;
	u32 mode, uid, gid, pad0;
	u64 rdev;
	i64 size, blksize, blocks;
	u64 atime, atime_ns, mtime, mtime_ns, ctime, ctime_ns;
	i64 reserved[3];
};

static long put_stat(struct inode *ino, u64 out)
{
	struct kstat k;
	vfs_getattr(ino, &k);
	struct stat_k st = {
		.dev = k.dev, .ino = k.ino, .nlink = k.nlink, .mode = k.mode, .uid = k.uid, .gid = k.gid,
		.rdev = k.rdev, .size = (i64)k.size, .blksize = (i64)k.blksize, .blocks = (i64)k.blocks,
		.atime = k.atime / NS, .atime_ns = k.atime % NS,
		.mtime = k.mtime / NS, .mtime_ns = k.mtime % NS,
		.ctime = k.ctime / NS, .ctime_ns = k.ctime % NS,
	};
	return copy_to_user(out, &st, sizeof(st));
}

long sys_fstat(int fd, u64 out)
{
	struct file *f = fd_get(fd);
	return f ? put_stat(f->ino, out) : -EBADF;
}

long sys_newfstatat(int dirfd, u64 path, u64 out, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 /* AT_NO_AUTOMOUNT */))
		return -EINVAL;
	struct inode *ino;
	long err = at_lookup_user(dirfd, path, flags, true, &ino);
	return err ? err : put_stat(ino, out);
}

long sys_stat(u64 path, u64 out) { return sys_newfstatat(AT_FDCWD, path, out, 0); }
long sys_lstat(u64 path, u64 out) { return sys_newfstatat(AT_FDCWD, path, out, AT_SYMLINK_NOFOLLOW); }

struct statx_ts {
	i64 sec;
	u32 nsec;
	i32 pad;
};

struct statx_k {
	u32 mask, blksize;
	u64 attributes;
	u32 nlink, uid, gid;
	u16 mode, pad0;
	u64 ino, size, blocks, attributes_mask;
	struct statx_ts atime, btime, ctime, mtime;
	u32 rdev_major, rdev_minor, dev_major, dev_minor;
	u64 spare[14];
};

static struct statx_ts ts_of(u64 ns) { return (struct statx_ts){ (i64)(ns / NS), (u32)(ns % NS), 0 }; }

long sys_statx(int dirfd, u64 path, unsigned flags, unsigned mask, u64 out)
{
	(void)mask; /* everything basic is always filled in */
	if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | 0x800 | 0x6000 /* AT_STATX_SYNC_TYPE */))
		return -EINVAL;
	struct inode *ino;
	long err = at_lookup_user(dirfd, path, flags, true, &ino);
	if (err)
		return err;
	struct kstat k;
	vfs_getattr(ino, &k);
	struct statx_k sx = { 0 };
	sx.mask = STATX_BASIC_STATS;
	sx.blksize = (u32)k.blksize;
	sx.nlink = (u32)k.nlink;
	sx.uid = k.uid;
	sx.gid = k.gid;
	sx.mode = (u16)k.mode;
	sx.ino = k.ino;
	sx.size = k.size;
	sx.blocks = k.blocks;
	sx.atime = ts_of(k.atime);
	sx.ctime = ts_of(k.ctime);
	sx.mtime = ts_of(k.mtime);
	sx.rdev_major = (u32)(k.rdev >> 8);
	sx.rdev_minor = (u32)(k.rdev & 0xff);
	sx.dev_minor = (u32)k.dev;
	return copy_to_user(out, &sx, sizeof(sx));
}

/* Every process acts as root on files: one that exists may be read and written; executing needs an x bit. */
long sys_faccessat2(int dirfd, u64 path, int amode, int flags)
{
	if ((amode & ~(R_OK | W_OK | X_OK)) || (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return -EINVAL;
	struct inode *ino;
	long err = at_lookup_user(dirfd, path, flags, true, &ino);
	if (err)
		return err;
	struct kstat k;
	vfs_getattr(ino, &k);
	if ((amode & X_OK) && !S_ISDIR(k.mode) && !(k.mode & 0111))
		return -EACCES;
	return 0;
}

long sys_faccessat(int dirfd, u64 path, int amode) { return sys_faccessat2(dirfd, path, amode, 0); }
long sys_access(u64 path, int amode) { return sys_faccessat2(AT_FDCWD, path, amode, 0); }

struct statfs_k {
	i64 type, bsize;
	u64 blocks, bfree, bavail, files, ffree;
	i32 fsid[2];
	i64 namelen, frsize, flags, spare[4];
};

static long put_statfs(struct inode *ino, u64 out)
{
	struct statfs_k s = { 0 };
	struct kstatfs v;
	if (!vfs_statfs(ino, &v)) { /* a volume: the host's file system */
		s.type = (i64)v.type;
		s.bsize = s.frsize = (i64)v.bsize;
		s.blocks = v.blocks, s.bfree = v.bfree, s.bavail = v.bavail, s.files = v.files, s.ffree = v.ffree;
		s.namelen = (i64)v.namelen;
		s.flags = 0x20 | (v.readonly ? 1 : 0); /* ST_VALID, ST_RDONLY */
		return copy_to_user(out, &s, sizeof(s));
	}
	/* the ramfs holds files in memory (api/mm.h): its size and what is free of it now, what
	 * writes can still take before ENOSPC */
	u64 free = pmm_file_free_bytes() / PAGE_SIZE;
	s.type = TMPFS_MAGIC;
	s.bsize = s.frsize = (i64)PAGE_SIZE;
	s.blocks = pmm_file_total_bytes() / PAGE_SIZE;
	s.bfree = s.bavail = free;
	s.files = s.blocks;
	s.ffree = free;
	s.namelen = NAME_MAX;
	s.flags = 0x20; /* ST_NOSUID-like "mounted" flags: ST_VALID */
	return copy_to_user(out, &s, sizeof(s));
}

long sys_statfs(u64 path, u64 out)
{
	struct inode *ino;
	long err = at_lookup_user(AT_FDCWD, path, 0, true, &ino);
	return err ? err : put_statfs(ino, out);
}

long sys_fstatfs(int fd, u64 out)
{
	struct file *f = fd_get(fd);
	return f ? put_statfs(f->ino, out) : -EBADF;
}
