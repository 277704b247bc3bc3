/* Volumes: host directories shared through virtio-9p (QEMU's -fsdev local), mounted in the guest
 * tree at boot. Three layers:
 *   virtio/virtio_9p.c  the virtio-9p devices: requests in, replies out (p9_rpc);
 *   fs/9p_proto.c       9P2000.L messages (p9_walk, p9_getattr, ...) over that transport;
 *   fs/9pfs.c           the file system under the VFS (inodes made from what the server says);
 *   fs/volume.c         which device is mounted where (its mount tag) and the mounting.
 * The server is never asked to resolve "..", symlinks or a path of several names: the guest's
 * own path walk does that, one name at a time, so nothing under a volume leads out of it. */
#pragma once
#include "types.h"

#define P9_VECTOR 0x26 /* every virtio-9p device's interrupt (routed through the IOAPIC) */

/* --- transport (virtio/virtio_9p.c) --- */

#define P9_MAX_DATA (128UL * 1024) /* payload of one read or write request */
#define P9_MSIZE (P9_MAX_DATA + 4096)
#define P9_DATA_PAGES (P9_MAX_DATA / 4096)
#define P9_MAX_DEVICES 8
#define P9_NOTAG 0xffff
#define P9_NOFID 0xffffffffU

struct p9_dev;

/* A request in flight: its message is built in req (one frame) and its reply lands in resp (one
 * frame); data requests add up to P9_DATA_PAGES frames of payload after them. */
struct p9_req {
	struct p9_dev *dev;
	u8 *req, *resp;      /* one frame each */
	u8 *data[P9_DATA_PAGES]; /* payload frames (made on first use) */
	u32 req_len;         /* bytes of req to send */
	u32 resp_len;        /* bytes of resp the device may write before the data (0: the whole frame) */
	u32 data_len;        /* payload bytes: sent after req (out), or received after resp (in) */
	bool data_in;
	u32 reply_len;       /* bytes the device wrote, once done */
	u32 free_fid;        /* a posted Tclunk's fid: its number is free once the server has replied */
	u16 tag;
};

struct p9_dev *p9_dev_at(int i);    /* NULL past the last device */
const char *p9_dev_tag(struct p9_dev *d); /* its mount tag */
/* Probes the virtio-mmio devices named on the command line and starts every virtio-9p one. */
int virtio_9p_init(const char *cmdline);
void virtio_9p_irq(void);
/* A free request of d (waits for one); the caller fills req and calls p9_rpc, then p9_put. */
struct p9_req *p9_get(struct p9_dev *d);
/* Payload frames for n bytes (made once, kept with the request): false when out of memory. */
bool p9_data_frames(struct p9_req *r, u32 n);
/* Sends r and waits for its reply (not interruptible: the server always answers). 0 or -EIO. */
long p9_rpc(struct p9_req *r);
/* Sends r and frees it when the reply comes, without waiting (Tclunk). */
void p9_post(struct p9_req *r);
void p9_put(struct p9_req *r);

/* --- 9P2000.L messages (fs/9p_proto.c): 0 or -errno (Rlerror's, or -EIO) --- */

#define P9_QTDIR 0x80
#define P9_QTSYMLINK 0x02

struct p9_qid {
	u8 type;
	u32 version;
	u64 path;
};

#define P9_GETATTR_BASIC 0x7ffUL
struct p9_attr {
	struct p9_qid qid;
	u32 mode, uid, gid;
	u64 nlink, rdev, size, blksize, blocks;
	u64 atime, mtime, ctime; /* ns since the epoch */
};

/* Tsetattr's valid bits */
#define P9_SETATTR_MODE 0x1
#define P9_SETATTR_UID 0x2
#define P9_SETATTR_GID 0x4
#define P9_SETATTR_SIZE 0x8
#define P9_SETATTR_ATIME 0x10
#define P9_SETATTR_MTIME 0x20
#define P9_SETATTR_CTIME 0x40
#define P9_SETATTR_ATIME_SET 0x80
#define P9_SETATTR_MTIME_SET 0x100

struct p9_setattr {
	u32 valid, mode, uid, gid;
	u64 size;
	u64 atime, mtime; /* ns since the epoch (with ATIME_SET / MTIME_SET) */
};

struct p9_statfs {
	u32 type, bsize;
	u64 blocks, bfree, bavail, files, ffree, fsid;
	u32 namelen;
};

u32 p9_fid_new(void);
void p9_fid_free(u32 fid);
long p9_version(struct p9_dev *d, u32 *msize);
long p9_attach(struct p9_dev *d, u32 fid, struct p9_qid *qid);
/* Walks one name from fid to newfid (newfid is the same file when name is NULL). */
long p9_walk(struct p9_dev *d, u32 fid, u32 newfid, const char *name, size_t len, struct p9_qid *qid);
long p9_getattr(struct p9_dev *d, u32 fid, struct p9_attr *a);
long p9_setattr(struct p9_dev *d, u32 fid, const struct p9_setattr *s);
long p9_lopen(struct p9_dev *d, u32 fid, u32 flags);
/* Creates name in the directory fid and opens it: fid then stands for the new file. */
long p9_lcreate(struct p9_dev *d, u32 fid, const char *name, size_t len, u32 flags, u32 mode, u32 gid,
		struct p9_qid *qid);
long p9_mkdir(struct p9_dev *d, u32 dfid, const char *name, size_t len, u32 mode, u32 gid, struct p9_qid *qid);
long p9_symlink(struct p9_dev *d, u32 dfid, const char *name, size_t len, const char *target, u32 gid);
long p9_link(struct p9_dev *d, u32 dfid, u32 fid, const char *name, size_t len);
long p9_unlinkat(struct p9_dev *d, u32 dfid, const char *name, size_t len, bool dir);
long p9_renameat(struct p9_dev *d, u32 ofid, const char *oname, size_t olen, u32 nfid, const char *nname,
		 size_t nlen);
/* A symlink's target into buf (NUL-terminated, cut to size): its length. */
long p9_readlink(struct p9_dev *d, u32 fid, char *buf, size_t size);
/* Reads up to len bytes at off (len at most P9_MAX_DATA): bytes read. buf is kernel memory. */
long p9_read(struct p9_dev *d, u32 fid, u64 off, u8 *buf, u32 len);
long p9_write(struct p9_dev *d, u32 fid, u64 off, const u8 *buf, u32 len);
long p9_fsync(struct p9_dev *d, u32 fid, bool datasync);
long p9_statfs(struct p9_dev *d, u32 fid, struct p9_statfs *s);
/* Clunks fid without waiting for the reply; the number is free again once the server replied. */
void p9_clunk(struct p9_dev *d, u32 fid);
/* Directory entries from offset off: each given to emit (name, qid, d_type, the offset after it)
 * until emit returns false. Returns how many were taken, 0 at the end, or -errno. */
long p9_readdir(struct p9_dev *d, u32 fid, u64 off,
		bool (*emit)(void *ctx, const char *name, size_t len, const struct p9_qid *qid, u8 type, u64 next),
		void *ctx);

/* --- the file system (fs/9pfs.c) --- */

struct inode;
struct p9_node;
struct p9_vol {
	struct p9_dev *dev;
	bool ro;
	u32 index; /* its st_dev is 0x100 + index */
	struct inode *root;
	struct p9_node *root_node;
};
/* Mounts the device's share as name in the ramfs directory parent: its root directory replaces
 * nothing (the caller has made room). NULL (and logged) when the server refuses. */
struct p9_vol *p9_mount(struct p9_dev *dev, bool ro, u32 index, struct inode *parent, const char *name);
bool p9_inode(const struct inode *ino); /* ino is a volume's */

/* --- volumes (fs/volume.c) --- */

/* Mounts every volume the devices announce (their tags say where): after fs_init and proc_init,
 * before the working directory is entered. Logs and skips a volume it cannot mount. */
void volumes_init(const char *cmdline);
