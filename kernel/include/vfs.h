/* VFS internals shared by kernel/fs/ (api/vfs.h and api/fd.h have what the syscalls see). */
#pragma once
#include "api/vfs.h"
#include "fs.h"
#include "types.h"

struct poll_hook;

#define SYMLOOP_MAX 40

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

/* A file system other than the ramfs: volumes (fs/9pfs.c). Its inodes have `fs` set, and the VFS
 * hands these operations to it; names are never "." or ".." (the VFS answers those itself). Errors
 * are Linux's, as -errno. */
struct fs_ops {
	void (*getattr)(struct inode *ino, struct kstat *st); /* fresh attributes (else the last known) */
	long (*setattr)(struct inode *ino, u32 valid, u32 mode, u32 uid, u32 gid, u64 size, u64 atime, u64 mtime);
	/* flags: the open's, which opens the new file next */
	long (*create)(struct inode *dir, const char *name, size_t len, u32 mode, int flags, struct inode **out);
	long (*mkdir)(struct inode *dir, const char *name, size_t len, u32 mode);
	long (*remove)(struct inode *dir, const char *name, size_t len, bool is_dir, bool trailing);
	long (*rename)(struct inode *from, const char *on, size_t ol, struct inode *to, const char *nn, size_t nl,
		       u32 flags, bool trailing);
	long (*link)(struct inode *ino, struct inode *dir, const char *name, size_t len);
	long (*symlink)(const char *target, struct inode *dir, const char *name, size_t len);
	u64 (*readdir)(struct inode *dir, u64 pos, bool (*emit)(void *, const char *, u64, u32, u64), void *ctx);
	long (*fsync)(struct file *f, bool datasync);
	long (*statfs)(struct inode *ino, struct kstatfs *out);
	/* Page idx of an open file into a frame (zeros past the end): for MAP_PRIVATE faults. */
	long (*read_page)(struct file *f, u64 idx, u8 *dst);
	/* MAP_SHARED: the frame the file keeps for page idx while it is mapped (0: out of memory);
	 * writeback sends the kept pages to the file (msync, munmap, fsync); unmapped: the last
	 * mapping of the inode is gone, its kept pages go. */
	u64 (*map_page)(struct file *f, u64 idx);
	long (*writeback)(struct file *f);
	void (*unmapped)(struct inode *ino);
	/* The file's size asked again (another writer, the host, may have grown it): before a read
	 * past the size the inode knows. */
	u64 (*size_now)(struct inode *ino);
	bool (*mount_root)(const struct inode *ino); /* a volume's root: never removed nor renamed */
};
#define FS_SET_MODE 1
#define FS_SET_UID 2
#define FS_SET_GID 4
#define FS_SET_SIZE 8
#define FS_SET_ATIME 16
#define FS_SET_MTIME 32

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
	struct poll_hook *poll_hooks; /* who watches its readiness: epoll items, poll/select calls (poll.h) */
	u64 atime, mtime, ctime; /* ns since the epoch */
	const struct file_ops *ops;
	const struct fs_ops *fs; /* NULL: the ramfs (or a pseudo file) */
	void *priv;
	u32 maps;        /* mappings of it (shared or private): their frames must outlive a truncate */
	u64 tag;         /* /proc: the pid (and fd) a per-process file is about */
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
			/* /proc/PID/fd/N: the open file's inode, when its name leads nowhere; NULL: use the name */
			struct inode *(*jump)(struct inode *lnk);
		} lnk;
	};
};

/* fs/inode.c */
extern struct inode *fs_root;
struct inode *inode_new(u32 mode);
void inode_get(struct inode *ino);
void inode_put(struct inode *ino); /* frees it once unlinked and unreferenced */
void inode_touch(struct inode *ino, bool modified);

/* fs/regfile.c: page-granular data of regular files */
long reg_read(struct inode *ino, u8 *buf, u64 len, u64 off);
long reg_write(struct inode *ino, const u8 *buf, u64 len, u64 off);
long reg_truncate(struct inode *ino, u64 size);
/* fallocate: every page of [off, off+len) gets its frame; -ENOSPC (nothing taken) when memory for
 * files would run out, -EFBIG past the largest file. */
long reg_allocate(struct inode *ino, u64 off, u64 len);
/* The frame holding page idx, made (and filled from the backing) when missing; 0 if out of memory. */
u64 reg_page(struct inode *ino, u64 idx);
/* Copies page idx of the file into a frame (zeros past the end). */
void reg_copy_page(struct inode *ino, u64 idx, u8 *dst);
void reg_free(struct inode *ino);
/* The frame page idx has (0: none), and the frame pa made page idx's unless it has one: the
 * frame it has then (0 if out of memory). Volumes keep their shared-mapped pages this way. */
u64 reg_frame(struct inode *ino, u64 idx);
u64 reg_install(struct inode *ino, u64 idx, u64 pa);

/* fs/dir.c */
struct inode *dir_lookup(struct inode *dir, const char *name, size_t len);
long dir_add(struct inode *dir, const char *name, size_t len, struct inode *ino);
long dir_remove(struct inode *dir, const char *name, size_t len);
/* Moves the entry oname of from to nname of to, replacing what nname named (or swapping the two
 * when exchange); nothing changes when it fails (a new entry is made first). */
long dir_rename(struct inode *from, const char *oname, size_t olen, struct inode *to, const char *nname, size_t nlen,
		bool exchange);
bool dir_empty(struct inode *dir);
struct inode *mkdir_in(struct inode *parent, const char *name, u32 mode); /* NULL if out of memory */
long dir_path(struct inode *dir, char *buf, size_t size); /* path from the process root: length or -errno */
/* The entry at position pos (>= 2) or the first after it: its name (copied into buf for one a
 * dynamic directory lists), inode and the position after it; false at the end. A directory's own
 * entries come first, then what its list op gives, from DIR_LISTED_POS. */
#define DIR_LISTED_POS (1UL << 40)
bool dir_entry_at(struct inode *dir, u64 pos, char *buf, size_t size, const char **name, struct inode **ino, u64 *next);

/* fs/path.c */
#define LOOKUP_FOLLOW 1
#define LOOKUP_DIRECTORY 2
/* Resolves path from dir (absolute paths start at the process's root). */
long path_lookup(struct inode *dir, const char *path, int flags, struct inode **out);
char *link_target(struct inode *lnk); /* kmalloc'd copy; NULL if out of memory */

/* fs/file.c */
struct file *file_new(struct inode *ino, u32 flags, const char *path);
long file_open_inode(struct inode *ino, int flags, const char *path, struct file **out);

/* fs/context.c: struct fs_context objects (api/vfs.h) */
struct fs_context *fs_context_new(void); /* at the real root, umask 022; NULL if out of memory */
struct fs_context *fs_context_copy(const struct fs_context *from);
void fs_context_get(struct fs_context *c);
void fs_context_put(struct fs_context *c);

/* fs/open.c */
char *cwd_path(void); /* a path buffer (pathbuf_put it), NULL if the directory was removed */

/* fs/fdtable.c: descriptor tables as objects (the calling process's descriptors: api/fd.h). */
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
void fd_close_on_exec(void);

/* fs/dev.c, fs/pipe.c, fs/procfs.c */
void dev_init(struct inode *dev);
/* A device or pipe inode, and its entry in /dev; both panic when memory runs out at boot. */
struct inode *dev_node(u32 mode_bits, u64 rdev, const struct file_ops *ops);
void dev_add(struct inode *dir, const char *name, struct inode *ino);
void procfs_init(struct inode *proc, struct inode *sys);
