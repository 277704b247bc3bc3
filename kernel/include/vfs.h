/* VFS internals shared by kernel/fs/ and the file syscalls (syscall-shim/fs*.c). */
#pragma once
#include "fs.h"
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
#define SYMLOOP_MAX 40
#define NR_FDS 1024

struct file;
struct inode;

/* What a special inode (device, pipe, pseudo file) does; regular files, directories and symlinks
 * of the ramfs have none. buf is kernel memory or user memory already checked. */
struct file_ops {
	long (*open)(struct file *f);
	long (*read)(struct file *f, u8 *buf, u64 len, u64 off);
	long (*write)(struct file *f, const u8 *buf, u64 len, u64 off);
	long (*ioctl)(struct file *f, long req, u64 arg);
	void (*release)(struct file *f);
	u64 (*readable)(struct file *f); /* bytes a read would return now (FIONREAD) */
	u32 (*poll)(struct file *f);     /* POLL* events ready now (poll.h); NULL: always ready */
	bool seekable;
};

/* A directory's child. Entries keep insertion order; pos is a stable getdents cookie. */
struct dentry {
	struct dentry *next;
	struct inode *ino;
	u64 pos;
	char name[];
};

struct inode {
	u32 mode, uid, gid, nlink;
	u32 refs; /* open files, mappings, the working directory */
	u64 ino, size, rdev;
	u64 poll_events; /* readiness changes counted by poll_wake (edge-triggered epoll) */
	u64 atime, mtime, ctime; /* ns since the epoch */
	const struct file_ops *ops;
	void *priv;
	u32 shared_maps; /* MAP_SHARED mappings: their frames must outlive a truncate */
	union {
		struct {            /* regular file */
			u64 *map;           /* frame of 512 leaf frames of 512 data frames (1 GiB max) */
			const u8 *backing;  /* initrd bytes read in place until a page is written */
			u64 backing_size;
		} reg;
		struct {            /* directory */
			struct dentry *first, *last;
			struct inode *parent;
			const char *name;   /* the name in the parent (for getcwd) */
			u64 next_pos, count;
			/* dynamic directories (/proc/self/fd): children made on lookup */
			struct inode *(*lookup)(struct inode *dir, const char *name, size_t len);
			long (*list)(struct inode *dir, u64 pos, char *name, size_t size, struct inode **ino);
		} dir;
		struct {            /* symlink */
			char *target;
			/* magic links (/proc/self/exe): the target made when needed, kmalloc'd */
			char *(*make)(struct inode *lnk);
		} lnk;
	};
};

struct file {
	struct inode *ino;
	u64 off;
	u32 flags; /* O_ACCMODE, O_APPEND, O_NONBLOCK, O_PATH, ... */
	u32 refs;
	u32 epoll_items; /* epoll interest lists it is on */
	char *path; /* as opened (for /proc/self/fd and getcwd of fchdir), may be NULL */
	void *priv;
};

/* fs/inode.c */
extern struct inode *fs_root;
struct inode *inode_new(u32 mode);
void inode_get(struct inode *ino);
void inode_put(struct inode *ino); /* frees it once unlinked and unreferenced */
void inode_touch(struct inode *ino, bool modified);
u64 fs_now_ns(void);

/* fs/regfile.c: page-granular data of regular files */
long reg_read(struct inode *ino, u8 *buf, u64 len, u64 off);
long reg_write(struct inode *ino, const u8 *buf, u64 len, u64 off);
long reg_truncate(struct inode *ino, u64 size);
/* The frame holding page idx, made (and filled from the backing) when missing; 0 if out of memory. */
u64 reg_page(struct inode *ino, u64 idx);
/* Copies page idx of the file into a frame (zeros past the end). */
void reg_copy_page(struct inode *ino, u64 idx, u8 *dst);
void reg_free(struct inode *ino);

/* fs/dir.c */
struct inode *dir_lookup(struct inode *dir, const char *name, size_t len);
long dir_add(struct inode *dir, const char *name, size_t len, struct inode *ino);
long dir_remove(struct inode *dir, const char *name, size_t len);
bool dir_empty(struct inode *dir);
struct inode *mkdir_in(struct inode *parent, const char *name, u32 mode); /* NULL if out of memory */
long dir_path(struct inode *dir, char *buf, size_t size); /* absolute path length or -errno */

/* fs/path.c */
#define LOOKUP_FOLLOW 1
#define LOOKUP_DIRECTORY 2
/* Resolves path from dir (absolute paths start at the process's root). */
long path_lookup(struct inode *dir, const char *path, int flags, struct inode **out);
/* Resolves all but the last component: the parent directory and the last name (in path). */
long path_parent(struct inode *dir, const char *path, struct inode **parent, const char **name, size_t *len);
char *link_target(struct inode *lnk); /* kmalloc'd copy; NULL if out of memory */
/* A PATH_MAX buffer (one frame), NULL if out of memory. */
char *pathbuf_get(void);
void pathbuf_put(char *buf);

/* fs/file.c */
struct file *file_new(struct inode *ino, u32 flags, const char *path);
void file_get(struct file *f);
void file_put(struct file *f);
long file_read(struct file *f, u8 *buf, u64 len, u64 off);
long file_write(struct file *f, const u8 *buf, u64 len, u64 off);
long file_open_inode(struct inode *ino, int flags, const char *path, struct file **out);

/* fs/context.c: the working directory, root directory and umask of a process, shared by its
 * threads (and by processes made with CLONE_FS). */
struct fs_context {
	u32 refs;
	struct inode *cwd, *root;
	u32 umask;
};
struct fs_context *fs_context_new(void); /* at the real root, umask 022; NULL if out of memory */
struct fs_context *fs_context_copy(const struct fs_context *from);
void fs_context_get(struct fs_context *c);
void fs_context_put(struct fs_context *c);
struct fs_context *fs_current(void);
void fs_set_cwd(struct inode *dir);
void fs_set_root(struct inode *dir);

/* fs/open.c */
/* Opens path from dir; base is dir's path (for the file's recorded path), NULL for the root. */
long fs_openat(struct inode *dir, const char *base, const char *path, int flags, u32 mode, struct file **out);
char *cwd_path(void); /* a path buffer (pathbuf_put it), NULL if the directory was removed */

/* fs/at.c */
#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_EMPTY_PATH 0x1000
long user_path(u64 upath, char **out); /* a path buffer (pathbuf_put it) holding the app's path */
long at_start(long dirfd, const char *path, struct inode **dir);
char *at_base(long dirfd); /* dirfd's path in a path buffer */
long at_lookup(long dirfd, const char *path, long at_flags, bool follow, struct inode **out);
long at_lookup_user(long dirfd, u64 upath, long at_flags, bool follow, struct inode **out);

/* fs/fdtable.c: the calling process's descriptors (fd_*) and tables as objects (fdtable_*). */
struct fd_entry {
	struct file *f;
	bool cloexec;
};
struct fdtable;
struct fdtable *fdtable_new(void);                    /* empty; NULL if out of memory */
struct fdtable *fdtable_copy(struct fdtable *from);   /* fork: the same open files */
void fdtable_get(struct fdtable *t);
void fdtable_put(struct fdtable *t);                  /* the last reference closes everything */
struct file *fdtable_file(struct fdtable *t, long fd);
long fdtable_next(struct fdtable *t, long from);      /* the first open fd >= from, or -1 */
struct file *fd_get(long fd); /* NULL if not open */
long fd_install(struct file *f, long min, bool cloexec); /* lowest free fd >= min, or -EMFILE */
/* Puts f at fd, closing what was there (dup2): fd, or -EBADF (out of range) or -ENOMEM. */
long fd_install_at(long fd, struct file *f, bool cloexec);
long fd_close(long fd);
long fd_cloexec(long fd);                 /* 1 or 0, or -EBADF */
long fd_set_cloexec(long fd, bool on);    /* 0 or -EBADF */
long fd_next(long from);                  /* the first open fd >= from, or -1 */
void fd_close_on_exec(void);

/* fs/dev.c, fs/pipe.c, fs/procfs.c */
void dev_init(struct inode *dev);
/* A device or pipe inode, and its entry in /dev; both panic when memory runs out at boot. */
struct inode *dev_node(u32 mode_bits, u64 rdev, const struct file_ops *ops);
void dev_add(struct inode *dir, const char *name, struct inode *ino);
struct file *console_file(bool err);
long pipe_create(struct file **rd, struct file **wr);
/* fs/eventfd.c: an eventfd file with the given counter (semaphore: reads take 1). */
long eventfd_new(u64 initval, bool semaphore, bool nonblock, struct file **out);
void procfs_init(struct inode *proc, struct inode *sys);
