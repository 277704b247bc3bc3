/* AF_UNIX sockets, stream and datagram, in kernel buffers (no lwIP). Each socket has one receive
 * ring that its peer (or, for datagrams, any sender) writes into: a stream's bytes as they are, a
 * datagram as a record (its length and its sender's name, then its bytes), so boundaries stay.
 * Names: a path is an S_IFSOCK inode of the ramfs whose priv is the bound socket; abstract names
 * (sun_path[0] == 0) are found in the list of all AF_UNIX sockets, which is short in a unikernel.
 * Readers wait on their own socket, writers on the socket they write to; every change wakes both
 * and the pollers (sock_changed). No SCM_RIGHTS or other control messages (see the catalog). */
#include "errno.h"
#include "fs.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "poll.h"
#include "proc.h"
#include "sock.h"
#include "vfs.h"

#define AF_UNSPEC 0
#define PF_UNIX 1
#define SOCK_PACKET 10
#define EPROTOTYPE 91 /* Linux's value; errno.h has no need for it elsewhere */
/* Linux's default socket buffer (net.core.wmem_default, 208 KiB); frames come at the first write. */
#define UNIX_PAGES 52
#define UNIX_BUF (UNIX_PAGES * PAGE_SIZE)
#define BACKLOG_MAX 128
#define DGRAM_QLEN 10 /* Linux's net.unix.max_dgram_qlen: datagrams queued from other than the peer */

struct ring {
	u64 frames[UNIX_PAGES]; /* all 0 until the first write */
	u64 rpos, wpos;         /* running byte counts; wpos - rpos bytes are buffered */
};

/* A datagram in a ring: this header, then len bytes. */
struct record {
	u32 len;
	u32 from_len; /* the sender's name's length, 0 if unnamed */
	struct sockaddr_un_k from;
};

struct unix_sock {
	struct sock *next;          /* the list of all AF_UNIX sockets */
	struct sock *peer;          /* stream: the other end; datagram: the connect()ed destination */
	bool refused;               /* datagram: the peer closed; the next send says ECONNREFUSED */
	struct sockaddr_k addr;     /* the bound name; len 0 while unnamed */
	struct sockaddr_k peer_addr; /* the peer's name (a stream keeps it after the peer closes, as Linux) */
	struct inode *node;         /* a path name's S_IFSOCK inode (a reference) */
	u32 cred[3];                /* pid, uid, gid of its owner when it connected or listened (SO_PEERCRED) */
	struct ring rx;             /* what others sent to this socket */
	u32 queued;                 /* datagrams in rx */
};

static struct sock *all;

static struct unix_sock *U(const struct sock *s) { return s->un; }

/* --- the ring --- */

static u64 ring_used(const struct ring *r) { return r->wpos - r->rpos; }
static u64 ring_room(const struct ring *r) { return UNIX_BUF - ring_used(r); }

static bool ring_ready(struct ring *r)
{
	if (r->frames[0])
		return true;
	for (int i = 0; i < UNIX_PAGES; i++) {
		if (!(r->frames[i] = pmm_alloc_uninit())) {
			while (i--) {
				pmm_free(r->frames[i]);
				r->frames[i] = 0;
			}
			return false;
		}
	}
	return true;
}

static void ring_free(struct ring *r)
{
	if (r->frames[0])
		for (int i = 0; i < UNIX_PAGES; i++)
			pmm_free(r->frames[i]);
}

static u8 *ring_at(struct ring *r, u64 pos)
{
	return (u8 *)phys_to_virt(r->frames[(pos / PAGE_SIZE) % UNIX_PAGES]) + pos % PAGE_SIZE;
}

/* Appends n bytes (the caller checked the room). */
static void ring_write(struct ring *r, const void *src, u64 n)
{
	for (u64 done = 0; done < n;) {
		u64 chunk = MIN(n - done, PAGE_SIZE - r->wpos % PAGE_SIZE);
		memcpy(ring_at(r, r->wpos), (const u8 *)src + done, chunk);
		r->wpos += chunk;
		done += chunk;
	}
}

/* Copies n buffered bytes, starting skip bytes in, without consuming them. */
static void ring_read(struct ring *r, u64 skip, void *dst, u64 n)
{
	u64 pos = r->rpos + skip;
	for (u64 done = 0; done < n;) {
		u64 chunk = MIN(n - done, PAGE_SIZE - pos % PAGE_SIZE);
		memcpy((u8 *)dst + done, ring_at(r, pos), chunk);
		pos += chunk;
		done += chunk;
	}
}

/* --- sockets, names, wakeups --- */

static struct sock *new_sock(int type)
{
	struct sock *s = sock_alloc(type);
	struct unix_sock *u = s ? kzalloc(sizeof(*u)) : NULL;
	if (!u) {
		kfree(s);
		return NULL;
	}
	s->family = AF_UNIX;
	s->un = u;
	u->next = all;
	all = s;
	return s;
}

/* s's ring or state changed: its readers, the writers blocked on it and its pollers look again,
 * and so do the pollers of the sockets that send to it (POLLOUT): a stream's peer (connect_pair
 * pairs them both ways, close undoes both), or any datagram socket connected to it. */
static void changed(struct sock *s)
{
	sock_changed(s);
	if (s->type == SOCK_STREAM) {
		if (U(s)->peer)
			sock_changed(U(s)->peer);
		return;
	}
	for (struct sock *o = all; o; o = U(o)->next)
		if (U(o)->peer == s)
			sock_changed(o);
}

/* The caller's pid, effective uid and gid, as a socket records them. */
static void take_cred(struct sock *s)
{
	const struct proc *p = proc_current();
	U(s)->cred[0] = (u32)p->pid, U(s)->cred[1] = p->cred.uid.e, U(s)->cred[2] = p->cred.gid.e;
}

static void connect_pair(struct sock *a, struct sock *b)
{
	U(a)->peer = b;
	U(b)->peer = a;
	U(a)->peer_addr = U(b)->addr;
	U(b)->peer_addr = U(a)->addr;
	a->state = b->state = SS_CONNECTED;
}

/* An address the app gave for bind, connect or sendto: Linux's checks. */
static long check_addr(const struct sockaddr_k *a)
{
	return a->len <= 2 || a->len > sizeof(a->un) || a->family != AF_UNIX ? -EINVAL : 0;
}

static bool is_abstract(const struct sockaddr_k *a) { return a->un.path[0] == 0; }

/* Abstract names are per type, as Linux's. */
static struct sock *find_abstract(const struct sockaddr_k *a, int type)
{
	for (struct sock *o = all; o; o = U(o)->next) {
		const struct sockaddr_k *n = &U(o)->addr;
		if (o->type == type && n->len == a->len && is_abstract(n) && !memcmp(n->un.path, a->un.path, a->len - 2))
			return o;
	}
	return NULL;
}

/* A path name as a C string: sun_path need not hold a NUL. */
static void path_of(const struct sockaddr_k *a, char path[UNIX_PATH_MAX + 1])
{
	u32 n = MIN(a->len - 2, (u32)UNIX_PATH_MAX);
	memcpy(path, a->un.path, n);
	path[n] = 0;
}

static long node_open(struct file *f)
{
	(void)f;
	return -ENXIO; /* as Linux: a socket's path cannot be opened */
}

static const struct file_ops node_ops = { .open = node_open };

/* The socket bound to a (checked), of the given type: ENOENT (and other lookup errors) when the
 * path is missing, ECONNREFUSED when nothing is bound there, EPROTOTYPE for another type. */
static long resolve(const struct sockaddr_k *a, int type, struct sock **out)
{
	if (is_abstract(a)) {
		*out = find_abstract(a, type);
		return *out ? 0 : -ECONNREFUSED;
	}
	char path[UNIX_PATH_MAX + 1];
	struct inode *ino;
	path_of(a, path);
	long err = path_lookup(fs_current()->cwd, path, LOOKUP_FOLLOW, &ino);
	if (err)
		return err;
	if (ino->ops != &node_ops || !ino->priv)
		return -ECONNREFUSED;
	*out = ino->priv;
	return (*out)->type == type ? 0 : -EPROTOTYPE;
}

static long bind_path(struct sock *s, const struct sockaddr_k *a)
{
	char path[UNIX_PATH_MAX + 1];
	struct inode *parent;
	const char *last;
	size_t len;
	path_of(a, path);
	long err = path_parent(fs_current()->cwd, path, &parent, &last, &len);
	if (err)
		return err;
	if (dir_lookup(parent, last, len))
		return -EADDRINUSE;
	if (U(s)->addr.len)
		return -EINVAL; /* already bound; as Linux, checked after the path */
	struct inode *ino = inode_new(S_IFSOCK | (0777 & ~fs_current()->umask));
	if (!ino)
		return -ENOMEM;
	ino->ops = &node_ops;
	ino->priv = s;
	err = dir_add(parent, last, len, ino);
	if (err) {
		inode_put(ino);
		return err;
	}
	inode_get(ino);
	struct unix_sock *u = U(s);
	u->node = ino;
	memset(&u->addr, 0, sizeof(u->addr));
	u->addr.family = AF_UNIX;
	memcpy(u->addr.un.path, path, strlen(path));
	/* as Linux: the path and its NUL (a full sun_path has none) */
	u->addr.len = (u32)MIN(2 + strlen(path) + 1, sizeof(u->addr.un));
	return 0;
}

/* bind with just the family: a free abstract name of five hex digits, as Linux. */
static void autobind(struct sock *s)
{
	static u32 next;
	struct sockaddr_k a;
	memset(&a, 0, sizeof(a));
	a.family = AF_UNIX;
	a.len = 2 + 1 + 5;
	do
		snprintf(a.un.path + 1, 6, "%05x", next++ & 0xfffff);
	while (find_abstract(&a, s->type));
	U(s)->addr = a;
}

long unix_bind(struct sock *s, const struct sockaddr_k *a)
{
	struct unix_sock *u = U(s);
	if (a->len == 2 && a->family == AF_UNIX) {
		if (!u->addr.len)
			autobind(s);
		return 0;
	}
	long err = check_addr(a);
	if (err)
		return err;
	if (!is_abstract(a))
		return bind_path(s, a);
	if (u->addr.len)
		return -EINVAL;
	if (find_abstract(a, s->type))
		return -EADDRINUSE;
	u->addr = *a;
	return 0;
}

long unix_listen(struct sock *s, int backlog)
{
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (!U(s)->addr.len || (s->state != SS_NEW && s->state != SS_LISTENING))
		return -EINVAL;
	/* room for one more than the backlog: Linux refuses only when more than that many wait */
	if (!s->queue && !(s->queue = kzalloc(sizeof(*s->queue) * (BACKLOG_MAX + 1))))
		return -ENOMEM;
	s->queue_max = backlog < 0 ? 0 : MIN(backlog, BACKLOG_MAX);
	s->state = SS_LISTENING;
	take_cred(s);
	return 0;
}

/* A connection for listener l: the server's end waits in l's queue until accepted. */
static long join(struct sock *s, struct sock *l)
{
	struct sock *c = new_sock(SOCK_STREAM);
	if (!c)
		return -ENOMEM;
	U(c)->addr = U(l)->addr;
	memcpy(U(c)->cred, U(l)->cred, sizeof(U(c)->cred)); /* the server's end: the listener's owner */
	take_cred(s);
	connect_pair(s, c);
	l->queue[l->queue_len++] = c;
	changed(l);
	return 0;
}

static long connect_stream(struct sock *s, const struct sockaddr_k *a, bool nonblock)
{
	if (s->state == SS_CONNECTED)
		return -EISCONN;
	if (s->state != SS_NEW)
		return -EINVAL;
	for (;;) {
		struct sock *l;
		long err = resolve(a, SOCK_STREAM, &l);
		if (err)
			return err;
		if (l->state != SS_LISTENING)
			return -ECONNREFUSED;
		if (l->queue_len <= l->queue_max)
			return join(s, l);
		if (nonblock)
			return -EAGAIN;
		/* the listener may close meanwhile: look it up again after waking */
		if ((err = sock_wait(l, s->sndtimeo)))
			return err;
	}
}

long unix_connect(struct sock *s, const struct sockaddr_k *a, bool nonblock)
{
	struct unix_sock *u = U(s);
	if (s->type == SOCK_DGRAM && a->len >= 2 && a->family == AF_UNSPEC) {
		u->peer = NULL; /* dissolves the association, as Linux */
		u->refused = false;
		return 0;
	}
	long err = check_addr(a);
	if (err)
		return err;
	if (s->type == SOCK_STREAM)
		return connect_stream(s, a, nonblock);
	struct sock *d;
	if ((err = resolve(a, SOCK_DGRAM, &d)))
		return err;
	if (U(d)->peer && U(d)->peer != s)
		return -EPERM; /* d takes datagrams from its own peer only */
	u->peer = d;
	u->peer_addr = U(d)->addr;
	u->refused = false;
	return 0;
}

/* A name for the app: an unnamed socket's is the family alone. */
static void app_name(const struct sockaddr_k *a, struct sockaddr_k *out)
{
	*out = *a;
	if (!a->len) {
		memset(out, 0, sizeof(*out));
		out->family = AF_UNIX;
		out->len = 2;
	}
}

long unix_accept(struct sock *s, bool nonblock, struct sock **out, struct sockaddr_k *peer)
{
	if (s->state != SS_LISTENING)
		return -EINVAL;
	while (!s->queue_len) {
		if (nonblock)
			return -EAGAIN;
		long err = sock_wait(s, s->rcvtimeo);
		if (err)
			return err;
	}
	struct sock *c = s->queue[0];
	s->queue_len--;
	memmove(s->queue, s->queue + 1, sizeof(*s->queue) * (size_t)s->queue_len);
	changed(s); /* a blocked connect may go on */
	app_name(&U(c)->peer_addr, peer);
	*out = c;
	return 0;
}

long unix_name(struct sock *s, bool peer, struct sockaddr_k *out)
{
	if (!peer) {
		app_name(&U(s)->addr, out);
		return 0;
	}
	if (s->type == SOCK_STREAM ? s->state != SS_CONNECTED : !U(s)->peer)
		return -ENOTCONN;
	app_name(&U(s)->peer_addr, out);
	return 0;
}

/* --- data --- */

/* Writes everything before returning, blocking while the peer's ring is full (as Linux); a
 * signal, a timeout or the peer going away cuts it short. */
static long send_stream(struct sock *s, const u8 *buf, u64 len, bool nonblock)
{
	if (s->state != SS_CONNECTED)
		return -ENOTCONN;
	if (s->shut_wr || !U(s)->peer)
		return -EPIPE;
	u64 done = 0;
	while (done < len) {
		struct sock *p = U(s)->peer;
		if (s->shut_wr || !p)
			return done ? (long)done : -EPIPE;
		struct ring *r = &U(p)->rx;
		if (!ring_room(r)) {
			if (nonblock)
				return done ? (long)done : -EAGAIN;
			long err = sock_wait(p, s->sndtimeo);
			if (err)
				return done ? (long)done : err;
			continue;
		}
		if (!ring_ready(r))
			return done ? (long)done : -ENOMEM;
		u64 n = MIN(len - done, ring_room(r));
		ring_write(r, buf + done, n);
		done += n;
		changed(p);
	}
	return (long)done;
}

static long recv_stream(struct sock *s, u8 *buf, u64 len, int flags, struct sockaddr_k *from, bool nonblock)
{
	if (s->state != SS_CONNECTED)
		return -EINVAL; /* as Linux, for AF_UNIX */
	struct ring *r = &U(s)->rx;
	u64 got = 0;
	while (got < len) {
		u64 n = MIN(len - got, ring_used(r));
		if (n) {
			ring_read(r, 0, buf + got, n);
			got += n;
			if (flags & MSG_PEEK)
				break;
			r->rpos += n;
			changed(s);
			if (!(flags & MSG_WAITALL))
				break;
			continue;
		}
		if (s->error && !got)
			return -sock_take_error(s);
		if (s->shut_rd)
			break;
		if (nonblock)
			return got ? (long)got : -EAGAIN;
		long err = sock_wait(s, s->rcvtimeo);
		if (err)
			return got ? (long)got : err;
	}
	if (from) /* the sender's name, as Linux: none (length 0) when unnamed */
		*from = U(s)->peer_addr;
	return (long)got;
}

/* The destination of a datagram: the address given, or the connected peer. */
static long destination(struct sock *s, const struct sockaddr_k *to, struct sock **out)
{
	struct unix_sock *u = U(s);
	if (to)
		return resolve(to, SOCK_DGRAM, out);
	if ((*out = u->peer))
		return 0;
	if (u->refused) {
		u->refused = false;
		return -ECONNREFUSED;
	}
	return -ENOTCONN;
}

/* Queues one datagram whole, blocking while the destination's ring is full. */
static long send_dgram(struct sock *s, const u8 *buf, u64 len, const struct sockaddr_k *to, bool nonblock)
{
	long err = to ? check_addr(to) : 0;
	if (err)
		return err;
	if (s->shut_wr)
		return -EPIPE;
	if (len > UNIX_BUF - sizeof(struct record))
		return -EMSGSIZE;
	for (;;) {
		struct sock *d;
		if ((err = destination(s, to, &d)))
			return err;
		struct unix_sock *du = U(d);
		if (du->peer && du->peer != s)
			return -EPERM;
		if (d->shut_rd)
			return -EPIPE;
		bool full = ring_room(&du->rx) < sizeof(struct record) + len || (du->peer != s && du->queued > DGRAM_QLEN);
		if (!full) {
			if (!ring_ready(&du->rx))
				return -ENOMEM;
			struct record h;
			memset(&h, 0, sizeof(h));
			h.len = (u32)len;
			h.from_len = U(s)->addr.len;
			memcpy(&h.from, &U(s)->addr.un, sizeof(h.from));
			ring_write(&du->rx, &h, sizeof(h));
			ring_write(&du->rx, buf, len);
			du->queued++;
			changed(d);
			return (long)len;
		}
		if (nonblock)
			return -EAGAIN;
		/* d may close meanwhile: it is found again after waking */
		if ((err = sock_wait(d, s->sndtimeo)))
			return err;
	}
}

/* One datagram: what fits in buf, the rest dropped (MSG_TRUNC: its full length returned). */
static long recv_dgram(struct sock *s, u8 *buf, u64 len, int flags, struct sockaddr_k *from, bool nonblock)
{
	struct unix_sock *u = U(s);
	while (!u->queued) {
		if (s->shut_rd)
			return 0;
		if (nonblock)
			return -EAGAIN;
		long err = sock_wait(s, s->rcvtimeo);
		if (err)
			return err;
	}
	struct record h;
	ring_read(&u->rx, 0, &h, sizeof(h));
	u64 n = MIN(len, (u64)h.len);
	ring_read(&u->rx, sizeof(h), buf, n);
	if (from) {
		memset(from, 0, sizeof(*from));
		memcpy(&from->un, &h.from, sizeof(h.from));
		from->len = h.from_len;
	}
	if (!(flags & MSG_PEEK)) {
		u->rx.rpos += sizeof(h) + h.len;
		u->queued--;
		changed(s);
	}
	return flags & MSG_TRUNC ? (long)h.len : (long)n;
}

long unix_send(struct sock *s, const u8 *buf, u64 len, int flags, const struct sockaddr_k *to, bool nonblock)
{
	nonblock |= flags & MSG_DONTWAIT;
	if (s->type == SOCK_STREAM)
		return to ? (s->state == SS_CONNECTED ? -EISCONN : -EOPNOTSUPP) : send_stream(s, buf, len, nonblock);
	return send_dgram(s, buf, len, to, nonblock);
}

long unix_recv(struct sock *s, u8 *buf, u64 len, int flags, struct sockaddr_k *from, bool nonblock)
{
	nonblock |= flags & MSG_DONTWAIT;
	if (s->type == SOCK_STREAM)
		return recv_stream(s, buf, len, flags, from, nonblock);
	return recv_dgram(s, buf, len, flags, from, nonblock);
}

/* A stream's shutdown is mirrored on the peer (its reads see the end, its writes EPIPE), as Linux. */
long unix_shutdown(struct sock *s, bool rd, bool wr)
{
	s->shut_rd |= rd;
	s->shut_wr |= wr;
	struct sock *p = U(s)->peer;
	if (p && s->type == SOCK_STREAM) {
		p->shut_rd |= wr;
		p->shut_wr |= rd;
		changed(p);
	}
	changed(s);
	return 0;
}

/* --- readiness, options, close --- */

/* As Linux, POLLOUT once what s sent is not yet read takes at most a quarter of the buffer; a
 * datagram socket's one-way destination also needs room in its queue. */
static bool writable(struct sock *s)
{
	struct sock *p = U(s)->peer;
	if (!p)
		return true;
	if (s->type == SOCK_DGRAM && U(p)->peer != s && U(p)->queued > DGRAM_QLEN)
		return false;
	return ring_used(&U(p)->rx) <= UNIX_BUF / 4;
}

u32 unix_poll(struct sock *s)
{
	u32 ev = 0;
	if (s->error)
		ev |= POLLERR;
	if (s->shut_rd && s->shut_wr)
		ev |= POLLHUP;
	if (s->shut_rd)
		ev |= POLLRDHUP | POLLIN | POLLRDNORM;
	if (s->state == SS_LISTENING)
		return ev | (s->queue_len ? POLLIN | POLLRDNORM : 0);
	if (ring_used(&U(s)->rx))
		ev |= POLLIN | POLLRDNORM;
	if (s->type == SOCK_STREAM && s->state != SS_CONNECTED)
		ev |= POLLHUP;
	if (writable(s))
		ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
	return ev;
}

u64 unix_readable(struct sock *s)
{
	struct unix_sock *u = U(s);
	if (s->type == SOCK_STREAM)
		return ring_used(&u->rx);
	struct record h;
	if (!u->queued)
		return 0;
	ring_read(&u->rx, 0, &h, sizeof(h));
	return h.len; /* as Linux: the next datagram's size */
}

/* The peer's owner when it connected (a listening socket: its own at listen()), as Linux; without
 * one, Linux's "nobody" (pid 0, uid and gid -1). */
void unix_peercred(struct sock *s, u32 cred[3])
{
	struct sock *from = s->state == SS_LISTENING ? s : s->state == SS_CONNECTED ? U(s)->peer : NULL;
	if (!from) {
		cred[0] = 0;
		cred[1] = cred[2] = (u32)-1;
		return;
	}
	memcpy(cred, U(from)->cred, sizeof(U(from)->cred));
}

u64 unix_buffer_size(void) { return UNIX_BUF; }

void unix_close(struct sock *s)
{
	struct unix_sock *u = U(s);
	for (struct sock **pp = &all; *pp; pp = &U(*pp)->next) {
		if (*pp == s) {
			*pp = u->next;
			break;
		}
	}
	if (u->node) {
		u->node->priv = NULL; /* the path stays, refusing connections, until unlinked (as Linux) */
		inode_put(u->node);
	}
	/* as Linux: a peer whose data was never read, or never accepted, sees a reset */
	bool lost = ring_used(&u->rx) || !s->ino;
	for (struct sock *o = all; o; o = U(o)->next) {
		if (U(o)->peer != s)
			continue;
		U(o)->peer = NULL;
		if (o->type == SOCK_STREAM) {
			o->shut_rd = o->shut_wr = true;
			if (lost)
				o->error = ECONNRESET;
		} else {
			U(o)->refused = true;
		}
		sock_changed(o);
	}
	for (int i = 0; i < s->queue_len; i++) {
		unix_close(s->queue[i]);
		kfree(s->queue[i]);
	}
	kfree(s->queue);
	s->queue = NULL;
	s->queue_len = 0;
	sock_changed(s); /* writers and connects blocked on s look again and find it gone */
	ring_free(&u->rx);
	kfree(u);
	s->un = NULL;
}

/* --- creation --- */

static long check_kind(int type, int protocol)
{
	if (type <= 0 || type > SOCK_PACKET)
		return -EINVAL;
	if (protocol && protocol != PF_UNIX)
		return -EPROTONOSUPPORT;
	if (type != SOCK_STREAM && type != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT; /* SOCK_SEQPACKET too: see the catalog */
	return 0;
}

static void drop(struct sock *s)
{
	if (s) {
		unix_close(s);
		kfree(s);
	}
}

long unix_create(int type, int protocol, u32 flags, struct file **out)
{
	long err = check_kind(type, protocol);
	if (err)
		return err;
	struct sock *s = new_sock(type);
	if (!s)
		return -ENOMEM;
	if ((err = sock_file(s, flags, out)))
		drop(s);
	return err;
}

long unix_pair(int type, int protocol, u32 flags, struct file **a, struct file **b)
{
	long err = check_kind(type, protocol);
	if (err)
		return err;
	struct sock *x = new_sock(type), *y = x ? new_sock(type) : NULL;
	if (!y) {
		drop(x);
		return -ENOMEM;
	}
	take_cred(x);
	take_cred(y);
	connect_pair(x, y);
	if ((err = sock_file(x, flags, a))) {
		drop(x);
		drop(y);
	} else if ((err = sock_file(y, flags, b))) {
		file_put(*a); /* closes x */
		drop(y);
	}
	return err;
}
