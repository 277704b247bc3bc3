/* 9P2000.L messages (9p.h): each call builds one T-message in a request's frame, waits for the
 * R-message and reads what it needs from it. Numbers are little-endian; strings are a 16-bit
 * length and the bytes. An Rlerror carries the server's errno (Linux's numbers, as ours). */
#include "9p.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "uaccess.h"

enum {
	RLERROR = 7, TSTATFS = 8, TLOPEN = 12, TLCREATE = 14, TSYMLINK = 16, TREADLINK = 22, TGETATTR = 24,
	TSETATTR = 26, TREADDIR = 40, TFSYNC = 50, TLINK = 70, TMKDIR = 72, TRENAMEAT = 74, TUNLINKAT = 76,
	TVERSION = 100, TATTACH = 104, TWALK = 110, TREAD = 116, TWRITE = 118, TCLUNK = 120,
};

#define HEADER 7 /* size[4] type[1] tag[2] */
#define AT_REMOVEDIR 0x200
#define NS 1000000000UL
#define NAME_MAX_9P 255

/* A message being written or read: a cursor over a frame. */
struct buf {
	u8 *p;
	u32 at, end;
	bool bad; /* read past the end */
};

static void put8(struct buf *b, u8 v)
{
	if (b->at < b->end)
		b->p[b->at] = v;
	b->at++;
}
static void put16(struct buf *b, u16 v) { put8(b, (u8)v), put8(b, (u8)(v >> 8)); }
static void put32(struct buf *b, u32 v) { put16(b, (u16)v), put16(b, (u16)(v >> 16)); }
static void put64(struct buf *b, u64 v) { put32(b, (u32)v), put32(b, (u32)(v >> 32)); }
static void putstr(struct buf *b, const char *s, size_t len)
{
	put16(b, (u16)len);
	for (size_t i = 0; i < len; i++)
		put8(b, (u8)s[i]);
}

static u8 get8(struct buf *b)
{
	if (b->at >= b->end) {
		b->bad = true;
		return 0;
	}
	return b->p[b->at++];
}
static u16 get16(struct buf *b) { u16 lo = get8(b); return (u16)(lo | get8(b) << 8); }
static u32 get32(struct buf *b) { u32 lo = get16(b); return lo | (u32)get16(b) << 16; }
static u64 get64(struct buf *b) { u64 lo = get32(b); return lo | (u64)get32(b) << 32; }
static void getqid(struct buf *b, struct p9_qid *q)
{
	q->type = get8(b);
	q->version = get32(b);
	q->path = get64(b);
}

/* Starts message type in r's frame. */
static struct buf begin(struct p9_req *r, u8 type)
{
	struct buf b = { r->req, 0, (u32)PAGE_SIZE, false };
	put32(&b, 0); /* the size: the transport writes it */
	put8(&b, type);
	put16(&b, type == TVERSION ? P9_NOTAG : r->tag);
	return b;
}

/* Sends the message in b and checks the reply: a cursor after its header, or -errno. */
static long call(struct p9_req *r, struct buf *b, u8 type, struct buf *reply)
{
	if (b->at > b->end)
		return -ENAMETOOLONG; /* names too long for one frame */
	r->req_len = b->at;
	long err = p9_rpc(r);
	if (err)
		return err;
	u32 got = MIN(r->reply_len, r->resp_len ? r->resp_len : (u32)PAGE_SIZE);
	*reply = (struct buf){ r->resp, 0, got, false };
	u32 size = get32(reply);
	u8 rtype = get8(reply);
	get16(reply);
	if (reply->bad || size < HEADER)
		return -EIO;
	if (rtype == RLERROR) {
		u32 e = get32(reply);
		return reply->bad || !e || e > 4095 ? -EIO : -(long)e;
	}
	if (rtype != type + 1)
		return -EIO;
	reply->end = MIN(reply->end, size);
	return 0;
}

/* The end of a request: it goes back, and a reply read past its end is -EIO. */
static long done(struct p9_req *r, long err, const struct buf *reply)
{
	p9_put(r);
	return !err && reply->bad ? -EIO : err;
}

/* Fid numbers: freed ones are used again first. */
static u32 free_fids[512], nfree_fids, next_fid = 1;

u32 p9_fid_new(void) { return nfree_fids ? free_fids[--nfree_fids] : next_fid++; }

void p9_fid_free(u32 fid)
{
	if (nfree_fids < ARRAY_LEN(free_fids))
		free_fids[nfree_fids++] = fid;
}

long p9_version(struct p9_dev *d, u32 *msize)
{
	static const char v[] = "9P2000.L";
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TVERSION), rb;
	put32(&b, *msize), putstr(&b, v, sizeof(v) - 1);
	long err = call(r, &b, TVERSION, &rb);
	if (!err) {
		u32 theirs = get32(&rb);
		*msize = MIN(*msize, theirs);
		u16 n = get16(&rb);
		if (n != sizeof(v) - 1 || rb.at + n > rb.end || memcmp(rb.p + rb.at, v, n))
			err = -EIO;
	}
	return done(r, err, &rb);
}

long p9_attach(struct p9_dev *d, u32 fid, struct p9_qid *qid)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TATTACH), rb;
	/* as root (n_uname 0): with security_model=none the server acts with its own rights */
	put32(&b, fid), put32(&b, P9_NOFID), putstr(&b, "root", 4), putstr(&b, "", 0), put32(&b, 0);
	long err = call(r, &b, TATTACH, &rb);
	if (!err)
		getqid(&rb, qid);
	return done(r, err, &rb);
}

long p9_walk(struct p9_dev *d, u32 fid, u32 newfid, const char *name, size_t len, struct p9_qid *qid)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TWALK), rb;
	put32(&b, fid), put32(&b, newfid), put16(&b, name ? 1 : 0);
	if (name)
		putstr(&b, name, len);
	long err = call(r, &b, TWALK, &rb);
	if (!err) {
		u16 n = get16(&rb);
		if (name && n != 1)
			err = -ENOENT;
		else if (n)
			getqid(&rb, qid);
	}
	return done(r, err, &rb);
}

long p9_getattr(struct p9_dev *d, u32 fid, struct p9_attr *a)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TGETATTR), rb;
	put32(&b, fid), put64(&b, P9_GETATTR_BASIC);
	long err = call(r, &b, TGETATTR, &rb);
	if (!err) {
		get64(&rb); /* valid */
		getqid(&rb, &a->qid);
		a->mode = get32(&rb), a->uid = get32(&rb), a->gid = get32(&rb);
		a->nlink = get64(&rb), a->rdev = get64(&rb), a->size = get64(&rb);
		a->blksize = get64(&rb), a->blocks = get64(&rb);
		u64 s = get64(&rb);
		a->atime = s * NS + get64(&rb);
		s = get64(&rb);
		a->mtime = s * NS + get64(&rb);
		s = get64(&rb);
		a->ctime = s * NS + get64(&rb);
	}
	return done(r, err, &rb);
}

long p9_setattr(struct p9_dev *d, u32 fid, const struct p9_setattr *s)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TSETATTR), rb;
	put32(&b, fid), put32(&b, s->valid), put32(&b, s->mode), put32(&b, s->uid), put32(&b, s->gid);
	put64(&b, s->size);
	put64(&b, s->atime / NS), put64(&b, s->atime % NS), put64(&b, s->mtime / NS), put64(&b, s->mtime % NS);
	return done(r, call(r, &b, TSETATTR, &rb), &rb);
}

long p9_lopen(struct p9_dev *d, u32 fid, u32 flags)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TLOPEN), rb;
	put32(&b, fid), put32(&b, flags);
	return done(r, call(r, &b, TLOPEN, &rb), &rb);
}

long p9_lcreate(struct p9_dev *d, u32 fid, const char *name, size_t len, u32 flags, u32 mode, u32 gid,
		struct p9_qid *qid)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TLCREATE), rb;
	put32(&b, fid), putstr(&b, name, len), put32(&b, flags), put32(&b, mode), put32(&b, gid);
	long err = call(r, &b, TLCREATE, &rb);
	if (!err)
		getqid(&rb, qid);
	return done(r, err, &rb);
}

long p9_mkdir(struct p9_dev *d, u32 dfid, const char *name, size_t len, u32 mode, u32 gid, struct p9_qid *qid)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TMKDIR), rb;
	put32(&b, dfid), putstr(&b, name, len), put32(&b, mode), put32(&b, gid);
	long err = call(r, &b, TMKDIR, &rb);
	if (!err)
		getqid(&rb, qid);
	return done(r, err, &rb);
}

long p9_symlink(struct p9_dev *d, u32 dfid, const char *name, size_t len, const char *target, u32 gid)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TSYMLINK), rb;
	put32(&b, dfid), putstr(&b, name, len), putstr(&b, target, strlen(target)), put32(&b, gid);
	return done(r, call(r, &b, TSYMLINK, &rb), &rb);
}

long p9_link(struct p9_dev *d, u32 dfid, u32 fid, const char *name, size_t len)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TLINK), rb;
	put32(&b, dfid), put32(&b, fid), putstr(&b, name, len);
	return done(r, call(r, &b, TLINK, &rb), &rb);
}

long p9_unlinkat(struct p9_dev *d, u32 dfid, const char *name, size_t len, bool dir)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TUNLINKAT), rb;
	put32(&b, dfid), putstr(&b, name, len), put32(&b, dir ? AT_REMOVEDIR : 0);
	return done(r, call(r, &b, TUNLINKAT, &rb), &rb);
}

long p9_renameat(struct p9_dev *d, u32 ofid, const char *oname, size_t olen, u32 nfid, const char *nname,
		 size_t nlen)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TRENAMEAT), rb;
	put32(&b, ofid), putstr(&b, oname, olen), put32(&b, nfid), putstr(&b, nname, nlen);
	return done(r, call(r, &b, TRENAMEAT, &rb), &rb);
}

long p9_readlink(struct p9_dev *d, u32 fid, char *out, size_t size)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TREADLINK), rb;
	put32(&b, fid);
	long err = call(r, &b, TREADLINK, &rb);
	if (!err) {
		u16 n = get16(&rb);
		if (rb.at + n > rb.end) {
			rb.bad = true;
		} else {
			size_t k = MIN((size_t)n, size - 1);
			memcpy(out, rb.p + rb.at, k);
			out[k] = 0;
			err = (long)k;
		}
	}
	return done(r, err, &rb);
}

long p9_fsync(struct p9_dev *d, u32 fid, bool datasync)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TFSYNC), rb;
	put32(&b, fid), put32(&b, datasync);
	return done(r, call(r, &b, TFSYNC, &rb), &rb);
}

long p9_statfs(struct p9_dev *d, u32 fid, struct p9_statfs *s)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TSTATFS), rb;
	put32(&b, fid);
	long err = call(r, &b, TSTATFS, &rb);
	if (!err) {
		s->type = get32(&rb), s->bsize = get32(&rb);
		s->blocks = get64(&rb), s->bfree = get64(&rb), s->bavail = get64(&rb);
		s->files = get64(&rb), s->ffree = get64(&rb), s->fsid = get64(&rb);
		s->namelen = get32(&rb);
	}
	return done(r, err, &rb);
}

void p9_clunk(struct p9_dev *d, u32 fid)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TCLUNK);
	put32(&b, fid);
	r->req_len = b.at;
	r->free_fid = fid; /* not before the reply: a walk to the same number would race the clunk */
	p9_post(r);
}

/* Payload frames to or from a buffer. user: buf is the app's memory (checked again here: the
 * request may have slept since the caller checked it). */
static bool copy_data(struct p9_req *r, u8 *buf, u32 len, bool to_frames, bool user)
{
	if (user && !user_range_ok((u64)buf, len, !to_frames))
		return false;
	for (u32 done = 0; done < len;) {
		u32 n = (u32)MIN(PAGE_SIZE, len - done);
		if (to_frames)
			memcpy(r->data[done / PAGE_SIZE], buf + done, n);
		else
			memcpy(buf + done, r->data[done / PAGE_SIZE], n);
		done += n;
	}
	return true;
}

long p9_read(struct p9_dev *d, u32 fid, u64 off, u8 *buf, u32 len)
{
	len = (u32)MIN(len, P9_MAX_DATA);
	bool user = (u64)buf < USER_TOP;
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TREAD), rb;
	put32(&b, fid), put64(&b, off), put32(&b, len);
	r->resp_len = HEADER + 4; /* Rread's count; the data goes to the payload frames */
	r->data_len = len;
	r->data_in = true;
	long err = call(r, &b, TREAD, &rb);
	if (!err) {
		u32 n = get32(&rb);
		if (rb.bad || n > len || n > r->reply_len - (HEADER + 4))
			err = -EIO;
		else if (!copy_data(r, buf, n, false, user))
			err = -EFAULT;
		else
			err = (long)n;
	}
	p9_put(r);
	return err;
}

long p9_write(struct p9_dev *d, u32 fid, u64 off, const u8 *buf, u32 len)
{
	len = (u32)MIN(len, P9_MAX_DATA);
	bool user = (u64)buf < USER_TOP;
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TWRITE), rb;
	put32(&b, fid), put64(&b, off), put32(&b, len);
	r->data_len = len; /* the payload follows the message (the transport counts it in the size) */
	long err = p9_data_frames(r, len) ? 0 : -ENOMEM;
	if (!err && !copy_data(r, (u8 *)buf, len, true, user))
		err = -EFAULT;
	if (!err)
		err = call(r, &b, TWRITE, &rb);
	if (!err) {
		u32 n = get32(&rb);
		err = rb.bad || n > len ? -EIO : (long)n;
	}
	p9_put(r);
	return err;
}

long p9_readdir(struct p9_dev *d, u32 fid, u64 off,
		bool (*emit)(void *ctx, const char *name, size_t len, const struct p9_qid *qid, u8 type, u64 next),
		void *ctx)
{
	struct p9_req *r = p9_get(d);
	struct buf b = begin(r, TREADDIR), rb;
	put32(&b, fid), put64(&b, off), put32(&b, (u32)PAGE_SIZE - HEADER - 4);
	long err = call(r, &b, TREADDIR, &rb);
	long taken = 0;
	if (!err) {
		u32 count = get32(&rb);
		rb.end = MIN(rb.end, rb.at + count);
		while (!rb.bad && rb.at < rb.end) {
			struct p9_qid q;
			getqid(&rb, &q);
			u64 next = get64(&rb);
			u8 type = get8(&rb);
			u16 n = get16(&rb);
			if (rb.bad || rb.at + n > rb.end) {
				rb.bad = true;
				break;
			}
			char name[NAME_MAX_9P + 1];
			memcpy(name, rb.p + rb.at, MIN(n, NAME_MAX_9P));
			name[MIN(n, NAME_MAX_9P)] = 0;
			rb.at += n;
			if (n > NAME_MAX_9P)
				continue;
			if (!emit(ctx, name, n, &q, type, next))
				break;
			taken++;
		}
		err = rb.bad && !taken ? -EIO : taken;
	}
	p9_put(r);
	return err;
}
