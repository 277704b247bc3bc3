/* Files by name, as the syscalls see them: paths, the directory a *at() call starts from, inode
 * attributes, the namespace operations (create, link, rename, remove), directories' entries and a
 * process's working directory, root and umask. Inodes are opaque here. */
#pragma once
#include "fd.h"
#include "types.h"

#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)

#define NAME_MAX 255
#define PATH_MAX 4096

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000

struct inode;

/* What stat tells of an inode. Times in ns since the epoch. */
struct kstat {
	u64 dev, ino, nlink, rdev, size, blksize, blocks;
	u32 mode, uid, gid;
	u64 atime, mtime, ctime;
};
void vfs_getattr(struct inode *ino, struct kstat *st);
/* What a kstat takes from the inode alone (all but dev, blksize and blocks): for file systems' getattr. */
void inode_stat(const struct inode *ino, struct kstat *st);
/* What statfs tells of a file system. */
struct kstatfs {
	u64 type, bsize, blocks, bfree, bavail, files, ffree, namelen;
	bool readonly;
};
/* The file system ino is on, when it is a volume: 0 with *out filled; -ENOSYS for the ramfs and
 * the pseudo file systems (the caller describes those). */
long vfs_statfs(struct inode *ino, struct kstatfs *out);
/* fsync/fdatasync: a volume's file is flushed to the host's disk; elsewhere nothing to do. */
long vfs_fsync(struct file *f, bool datasync);

/* A regular file whose bytes the ramfs or a volume holds (not a pseudo file such as /proc's): it
 * can be mapped (MAP_PRIVATE or MAP_SHARED), truncated, copied from. */
bool vfs_is_data_file(const struct inode *ino);

/* A PATH_MAX buffer (one frame), NULL if out of memory. */
char *pathbuf_get(void);
void pathbuf_put(char *buf);
long user_path(u64 upath, char **out); /* a path buffer (pathbuf_put it) holding the app's path */

/* The *at() calls: the directory a path starts from, as dirfd names it. */
long at_start(long dirfd, const char *path, struct inode **dir);
char *at_base(long dirfd); /* dirfd's path in a path buffer */
/* The inode (dirfd, path) names; AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW and _FOLLOW from at_flags. */
long at_lookup(long dirfd, const char *path, long at_flags, bool follow, struct inode **out);
long at_lookup_user(long dirfd, u64 upath, long at_flags, bool follow, struct inode **out);
/* Resolves all but the last component: the parent directory and the last name (in path). */
long path_parent(struct inode *dir, const char *path, struct inode **parent, const char **name, size_t *len);
/* Opens path from dir like open(2); base is dir's path (for the file's recorded path), NULL for
 * the root. */
long fs_openat(struct inode *dir, const char *base, const char *path, int flags, u32 mode, struct file **out);

/* An unlinked file of size bytes (zeros) in RAM, opened read-write: what MAP_SHARED anonymous
 * memory and System V segments map. name is shown in /proc/PID/maps. */
long shmem_file(u64 size, const char *name, struct file **out);

/* Namespace operations in a parent directory: 0 or -errno, with Linux's errors. */
long vfs_mkdir(struct inode *parent, const char *name, size_t len, u32 mode);
/* unlink (dir false) or rmdir (dir true); trailing: the path ended in '/'. */
long vfs_remove(struct inode *parent, const char *name, size_t len, bool dir, bool trailing);
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
/* trailing: a path ended in '/' (then the source must be a directory). */
long vfs_rename(struct inode *from, const char *oname, size_t olen, struct inode *to, const char *nname,
		size_t nlen, u32 flags, bool trailing);
long vfs_link(struct inode *ino, struct inode *parent, const char *name, size_t len);
long vfs_symlink(const char *target, struct inode *parent, const char *name, size_t len);
/* A symlink's target: its length (cut to size), or -EINVAL when ino is not a symlink. */
long vfs_readlink(struct inode *ino, char *buf, size_t size);

/* Attributes: 0 or -errno (a read-only volume: -EROFS). */
long vfs_chmod(struct inode *ino, u32 mode);
long vfs_chown(struct inode *ino, u32 uid, u32 gid);         /* (u32)-1 keeps one */
long vfs_set_times(struct inode *ino, u64 atime, u64 mtime); /* ns; ctime becomes now */
void vfs_touch_atime(struct inode *ino);
long vfs_truncate(struct inode *ino, u64 size);             /* a data file */
/* fallocate: mode 0 or FALLOC_FL_KEEP_SIZE (1) reserve nothing (pages are made when written) but
 * may grow the file; KEEP_SIZE|PUNCH_HOLE (3) zeroes the range. */
long vfs_fallocate(struct inode *ino, int mode, u64 off, u64 len);
u64 fs_now_ns(void);

/* A directory's entries from position pos: each is given to emit (its name, inode number, mode
 * and the position after it) until emit returns false or none are left. "." and ".." come first.
 * Returns the position to continue from. */
u64 vfs_readdir(struct inode *dir, u64 pos, bool (*emit)(void *ctx, const char *name, u64 ino, u32 mode, u64 next),
		void *ctx);

/* The working directory, root directory and umask of a process, shared by its threads (and by
 * processes made with CLONE_FS). */
struct fs_context {
	u32 refs;
	struct inode *cwd, *root;
	u32 umask;
};
struct fs_context *fs_current(void);
void fs_set_cwd(struct inode *dir);
void fs_set_root(struct inode *dir);
/* The absolute path of directory dir: its length, or -errno (-ENOENT once removed). */
long vfs_path(struct inode *dir, char *buf, size_t size);
/* path with every symlink in it followed, as an absolute path from the process root (what
 * /proc/PID/exe shows): 0 or -errno. */
long vfs_realpath(const char *path, char *buf, size_t size);
