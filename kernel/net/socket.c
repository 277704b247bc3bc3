/* Sockets as files: creation, the file operations (read, write, poll, close), addresses,
 * shutdown and options; the protocols are in tcp.c and udp.c (AF_INET and AF_INET6) and unix.c
 * (AF_UNIX), chosen here by the socket's family. An AF_INET6 socket is dual-stack, as on Linux:
 * unless IPV6_V6ONLY is set, a wildcard bind takes IPv4 too, and IPv4 peers are named
 * ::ffff:a.b.c.d (v4-mapped); lwIP itself sees plain IPv4 addresses for them. */
#include "clock.h"
#include "errno.h"
#include "fs.h"
#include "lib.h"
#include "mm.h"
#include "net.h"
#include "poll.h"
#include "sock.h"

#define SOCK_PACKET 10
#define SOL_SOCKET 1
#define SO_REUSEADDR 2
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_BROADCAST 6
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_LINGER 13
#define SO_REUSEPORT 15
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define TCP_NODELAY 1
#define TCP_MAXSEG 2
#define TCP_CORK 3
#define TCP_KEEPIDLE 4
#define TCP_KEEPINTVL 5
#define TCP_KEEPCNT 6
#define TCP_DEFER_ACCEPT 9
#define TCP_QUICKACK 12
#define TCP_FASTOPEN 23
#define IP_TOS 1
#define IP_TTL 2
#define IPPROTO_IPV6 41
#define IPV6_V6ONLY 26
#define SIN6_LEN_RFC2133 24 /* a sockaddr_in6 without scope_id, which Linux takes */

void sock_changed(struct sock *s)
{
	s->changes++;
	waitq_wake_all(&s->waiting);
	if (s->ino)
		poll_wake(s->ino);
}

long sock_wait(struct sock *s, u64 timeout)
{
	u64 seen = s->changes;
	net_poll(); /* what the loopback holds may be what this thread waits for */
	if (s->changes != seen)
		return 0;
	enum wake_reason why = sched_block(&s->waiting, timeout ? clock_monotonic_ns() + timeout : 0, true);
	if (why == WAKE_SIGNAL)
		return -ERESTARTSYS;
	return why == WAKE_TIMEOUT ? -EAGAIN : 0;
}

struct sock *sock_alloc(int type)
{
	struct sock *s = kzalloc(sizeof(*s));
	if (s) {
		s->family = AF_INET;
		s->type = type;
	}
	return s;
}

long sock_take_error(struct sock *s)
{
	long e = s->error;
	s->error = 0;
	return e;
}

static struct sock *sock_of_file(struct file *f) { return f->ino->priv; }

static long sock_read(struct file *f, u8 *buf, u64 len, u64 off)
{
	(void)off;
	return sock_recv(sock_of_file(f), buf, len, 0, NULL, f->flags & O_NONBLOCK);
}

static long sock_write(struct file *f, const u8 *buf, u64 len, u64 off)
{
	(void)off;
	return sock_send(sock_of_file(f), buf, len, 0, NULL, f->flags & O_NONBLOCK);
}

static u32 sock_poll(struct file *f)
{
	struct sock *s = sock_of_file(f);
	if (s->family == AF_UNIX)
		return unix_poll(s);
	return s->type == SOCK_STREAM ? tcp_sock_poll(s) : udp_sock_poll(s);
}

static u64 sock_readable(struct file *f)
{
	struct sock *s = sock_of_file(f);
	if (s->family == AF_UNIX)
		return unix_readable(s);
	if (s->type == SOCK_STREAM)
		return s->rx ? s->rx->tot_len : 0;
	return s->dq ? s->dq->p->tot_len : 0;
}

static void sock_release(struct file *f)
{
	struct sock *s = sock_of_file(f);
	if (s->family == AF_UNIX)
		unix_close(s);
	else if (s->type == SOCK_STREAM)
		tcp_sock_close(s);
	else
		udp_sock_close(s);
	f->ino->priv = NULL;
	kfree(s);
	net_poll();
}

static const struct file_ops socket_ops = {
	.read = sock_read, .write = sock_write, .poll = sock_poll, .readable = sock_readable, .release = sock_release,
};

struct sock *sock_of(struct file *f) { return f->ino->ops == &socket_ops ? f->ino->priv : NULL; }

bool sock_is_datagram(const struct sock *s) { return s->type == SOCK_DGRAM; }

bool sock_is_unix(const struct sock *s) { return s->family == AF_UNIX; }

long sock_file(struct sock *s, u32 flags, struct file **out)
{
	struct inode *ino = inode_new(S_IFSOCK | 0777);
	struct file *f = ino ? file_new(ino, O_RDWR | flags, NULL) : NULL;
	if (!f) {
		if (ino)
			inode_put(ino);
		return -ENOMEM;
	}
	ino->ops = &socket_ops;
	ino->priv = s;
	s->ino = ino;
	*out = f;
	return 0;
}

long sock_create(int domain, int type, int protocol, struct file **out)
{
	int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (domain == AF_UNIX)
		return unix_create(kind, protocol, type & SOCK_NONBLOCK ? O_NONBLOCK : 0, out);
	if (!net_start())
		return -ENOMEM;
	if (domain != AF_INET && domain != AF_INET6)
		return -EAFNOSUPPORT;
	if (kind <= 0 || kind > SOCK_PACKET)
		return -EINVAL;
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM)
		return -ESOCKTNOSUPPORT; /* raw, seqpacket, packet: see the catalog */
	if (protocol && protocol != (kind == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return -EPROTONOSUPPORT;
	struct sock *s = sock_alloc(kind);
	if (!s)
		return -ENOMEM;
	s->family = domain;
	long err = kind == SOCK_STREAM ? tcp_sock_init(s) : udp_sock_init(s);
	if (!err)
		err = sock_file(s, type & SOCK_NONBLOCK ? O_NONBLOCK : 0, out);
	if (err) {
		if (s->tcp)
			tcp_close(s->tcp);
		if (s->udp)
			udp_remove(s->udp);
		kfree(s);
	}
	return err;
}

long sock_pair(int domain, int type, int protocol, struct file **a, struct file **b)
{
	int kind = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (domain == AF_INET || domain == AF_INET6)
		return -EOPNOTSUPP; /* as Linux: only AF_UNIX makes pairs */
	if (domain != AF_UNIX)
		return -EAFNOSUPPORT;
	return unix_pair(kind, protocol, type & SOCK_NONBLOCK ? O_NONBLOCK : 0, a, b);
}

static const u8 v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* An AF_INET6 socket's address as lwIP's: a v4-mapped one as IPv4; :: as both families (bind) or
 * ::1 (connect and send, as Linux). */
static long endpoint6(const struct sock *s, const struct sockaddr_in6_k *a, ip_addr_t *ip, bool bind)
{
	if (!memcmp(a->addr, v4_mapped, sizeof(v4_mapped))) {
		if (s->v6only)
			return bind ? -EINVAL : -ENETUNREACH;
		u32 v4;
		memcpy(&v4, a->addr + 12, sizeof(v4));
		ip_addr_set_ip4_u32(ip, v4);
		return 0;
	}
	u32 w[4];
	memcpy(w, a->addr, sizeof(w));
	if (!(w[0] | w[1] | w[2] | w[3])) {
		if (bind)
			ip_addr_copy(*ip, *(s->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE));
		else
			IP_ADDR6(ip, 0, 0, 0, PP_HTONL(1));
		return 0;
	}
	IP_ADDR6(ip, w[0], w[1], w[2], w[3]);
	return 0;
}

/* An app's address as lwIP's: a whole sockaddr_in for AF_INET, at least the RFC 2133 part of a
 * sockaddr_in6 for AF_INET6. */
static long endpoint(const struct sock *s, const struct sockaddr_k *a, ip_addr_t *ip, u16 *port, bool bind)
{
	u32 need = s->family == AF_INET6 ? SIN6_LEN_RFC2133 : sizeof(a->in);
	if (a->len < need)
		return a->len >= 2 && a->family != s->family && s->family == AF_INET ? -EAFNOSUPPORT : -EINVAL;
	if (a->family != s->family)
		return -EAFNOSUPPORT;
	if (s->family == AF_INET6) {
		*port = lwip_ntohs(a->in6.port);
		return endpoint6(s, &a->in6, ip, bind);
	}
	ip_addr_set_ip4_u32(ip, a->in.addr);
	*port = lwip_ntohs(a->in.port);
	return 0;
}

/* An address for the app in the socket's family: an IPv4 one as ::ffff:a.b.c.d for AF_INET6, a
 * dual-stack wildcard (or none, ip NULL) as the family's wildcard. */
static void inet_name(const struct sock *s, const ip_addr_t *ip, u16 port, struct sockaddr_k *a)
{
	memset(a, 0, sizeof(*a));
	if (s->family == AF_INET) {
		a->in.family = AF_INET;
		a->in.port = lwip_htons(port);
		a->in.addr = ip ? ip4_addr_get_u32(ip_2_ip4(ip)) : 0;
		a->len = sizeof(a->in);
		return;
	}
	a->in6.family = AF_INET6;
	a->in6.port = lwip_htons(port);
	if (ip && IP_IS_V6_VAL(*ip)) {
		memcpy(a->in6.addr, ip_2_ip6(ip)->addr, sizeof(a->in6.addr));
	} else if (ip && IP_IS_V4_VAL(*ip)) {
		u32 v4 = ip4_addr_get_u32(ip_2_ip4(ip));
		memcpy(a->in6.addr, v4_mapped, sizeof(v4_mapped));
		memcpy(a->in6.addr + 12, &v4, sizeof(v4));
	}
	a->len = sizeof(a->in6);
}

long sock_bind(struct sock *s, const struct sockaddr_k *a)
{
	if (s->family == AF_UNIX)
		return unix_bind(s, a);
	ip_addr_t ip;
	u16 port;
	long err = endpoint(s, a, &ip, &port, true);
	if (err)
		return err;
	return s->type == SOCK_STREAM ? tcp_sock_bind(s, &ip, port) : udp_sock_bind(s, &ip, port);
}

long sock_listen(struct sock *s, int backlog)
{
	if (s->family == AF_UNIX)
		return unix_listen(s, backlog);
	return s->type == SOCK_STREAM ? tcp_sock_listen(s, backlog) : -EOPNOTSUPP;
}

long sock_accept(struct sock *s, bool nonblock, u32 flags, struct file **out, struct sockaddr_k *peer)
{
	if (s->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	struct sock *c;
	long err = s->family == AF_UNIX ? unix_accept(s, nonblock, &c, peer) : tcp_sock_accept(s, nonblock, &c);
	if (err)
		return err;
	if (c->family != AF_UNIX) /* unix_accept gave the peer's name */
		inet_name(c, c->tcp ? &c->tcp->remote_ip : NULL, c->tcp ? c->tcp->remote_port : 0, peer);
	err = sock_file(c, flags, out);
	if (err) {
		if (c->family == AF_UNIX)
			unix_close(c);
		else
			tcp_sock_close(c);
		kfree(c);
	}
	return err;
}

long sock_connect(struct sock *s, const struct sockaddr_k *a, bool nonblock)
{
	if (s->family == AF_UNIX)
		return unix_connect(s, a, nonblock);
	ip_addr_t ip;
	u16 port;
	long err = endpoint(s, a, &ip, &port, false);
	if (err)
		return err;
	return s->type == SOCK_STREAM ? tcp_sock_connect(s, &ip, port, nonblock) : udp_sock_connect(s, &ip, port);
}

long sock_send(struct sock *s, const u8 *buf, u64 len, int flags, const struct sockaddr_k *to, bool nonblock)
{
	if (s->family == AF_UNIX)
		return unix_send(s, buf, len, flags, to, nonblock);
	long r;
	if (s->type == SOCK_STREAM) {
		r = tcp_sock_send(s, buf, len, flags, nonblock);
	} else {
		ip_addr_t ip;
		u16 port = 0;
		long err = to ? endpoint(s, to, &ip, &port, false) : 0;
		if (err)
			return err;
		r = udp_sock_send(s, buf, len, to ? &ip : NULL, port);
	}
	net_poll();
	return r;
}

long sock_recv(struct sock *s, u8 *buf, u64 len, int flags, struct sockaddr_k *from, bool nonblock)
{
	if (s->family == AF_UNIX)
		return unix_recv(s, buf, len, flags, from, nonblock);
	if (from)
		from->len = s->family == AF_INET6 ? sizeof(from->in6) : sizeof(from->in);
	if (s->type == SOCK_DGRAM) {
		ip_addr_t ip;
		u16 port;
		long r = udp_sock_recv(s, buf, len, flags, from ? &ip : NULL, &port, nonblock);
		if (r >= 0 && from)
			inet_name(s, &ip, port, from);
		return r;
	}
	long r = tcp_sock_recv(s, buf, len, flags, nonblock);
	if (r >= 0 && from && s->tcp)
		inet_name(s, &s->tcp->remote_ip, s->tcp->remote_port, from);
	net_poll(); /* a window update may be due */
	return r;
}

long sock_shutdown(struct sock *s, int how)
{
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	bool rd = how != SHUT_WR, wr = how != SHUT_RD;
	if (s->family == AF_UNIX)
		return unix_shutdown(s, rd, wr);
	if (s->type == SOCK_DGRAM) {
		if (s->state != SS_CONNECTED)
			return -ENOTCONN;
		s->shut_rd |= rd;
		s->shut_wr |= wr;
		sock_changed(s);
		return 0;
	}
	long r = tcp_sock_shutdown(s, rd, wr);
	net_poll();
	return r;
}

long sock_name(struct sock *s, bool peer, struct sockaddr_k *out)
{
	if (s->family == AF_UNIX)
		return unix_name(s, peer, out);
	if (s->type == SOCK_STREAM) {
		if (peer && (s->state != SS_CONNECTED || !s->tcp))
			return -ENOTCONN;
		if (!s->tcp)
			inet_name(s, NULL, 0, out);
		else if (peer)
			inet_name(s, &s->tcp->remote_ip, s->tcp->remote_port, out);
		else
			inet_name(s, &s->tcp->local_ip, s->tcp->local_port, out);
		return 0;
	}
	if (peer && s->state != SS_CONNECTED)
		return -ENOTCONN;
	if (peer)
		inet_name(s, &s->udp->remote_ip, s->udp->remote_port, out);
	else
		inet_name(s, &s->udp->local_ip, s->udp->local_port, out);
	return 0;
}

struct timeval_k {
	i64 sec, usec;
};

static long int_opt(const void *val, u32 len, int *out)
{
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(out, val, sizeof(int));
	return 0;
}

static long time_opt(const void *val, u32 len, u64 *ns)
{
	struct timeval_k tv;
	if (len < sizeof(tv))
		return -EINVAL;
	memcpy(&tv, val, sizeof(tv));
	if (tv.usec < 0 || tv.usec >= 1000000)
		return -EDOM;
	*ns = tv.sec < 0 ? 0 : (u64)tv.sec * 1000000000 + (u64)tv.usec * 1000;
	return 0;
}

long sock_setopt(struct sock *s, int level, int name, const void *val, u32 len)
{
	int v = 0;
	bool timeo = level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO);
	if (!timeo && name != SO_LINGER) {
		long err = int_opt(val, len, &v);
		if (err)
			return err;
	}
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_REUSEADDR:
			s->reuseaddr = v;
			return 0;
		case SO_KEEPALIVE:
			s->keepalive = v;
			if (s->tcp && s->state != SS_LISTENING && v)
				ip_set_option(s->tcp, SOF_KEEPALIVE);
			else if (s->tcp && s->state != SS_LISTENING)
				ip_reset_option(s->tcp, SOF_KEEPALIVE);
			return 0;
		case SO_RCVTIMEO:
			return time_opt(val, len, &s->rcvtimeo);
		case SO_SNDTIMEO:
			return time_opt(val, len, &s->sndtimeo);
		case SO_LINGER: {
			/* struct linger { int l_onoff, l_linger }: only "reset on close" changes anything */
			const int *lg = val;
			if (len < 2 * sizeof(int))
				return -EINVAL;
			s->linger_reset = lg[0] && !lg[1];
			return 0;
		}
		case SO_REUSEPORT: case SO_SNDBUF: case SO_RCVBUF: case SO_BROADCAST:
			return 0; /* recorded nowhere: see the catalog */
		case SO_PASSCRED:
			return s->family == AF_UNIX ? 0 : -ENOPROTOOPT; /* no control messages: nothing to pass */
		default:
			return -ENOPROTOOPT;
		}
	}
	if (s->family == AF_UNIX)
		return -EOPNOTSUPP; /* as Linux: AF_UNIX has only SOL_SOCKET options */
	if (level == IPPROTO_TCP && s->type == SOCK_STREAM) {
		switch (name) {
		case TCP_NODELAY: /* Nagle is always off (tcp.c) */
			s->nodelay = v;
			return 0;
		case TCP_MAXSEG: case TCP_CORK: case TCP_KEEPIDLE: case TCP_KEEPINTVL: case TCP_KEEPCNT:
		case TCP_DEFER_ACCEPT: case TCP_QUICKACK: case TCP_FASTOPEN:
			return 0;
		default:
			return -ENOPROTOOPT;
		}
	}
	if (level == IPPROTO_IP && (name == IP_TOS || name == IP_TTL))
		return 0;
	if (level == IPPROTO_IPV6 && s->family == AF_INET6 && name == IPV6_V6ONLY) {
		bool bound = s->state != SS_NEW || (s->tcp ? s->tcp->local_port : s->udp ? s->udp->local_port : 0);
		if (bound)
			return -EINVAL; /* as Linux: the bind has chosen already */
		s->v6only = v;
		return 0;
	}
	return -ENOPROTOOPT;
}

/* An option's value out: as much as fits. */
static long opt_out(const void *v, u32 size, void *val, u32 *len)
{
	u32 n = MIN(*len, size);
	memcpy(val, v, n);
	*len = n;
	return 0;
}

/* The options that differ for AF_UNIX; -ENOPROTOOPT for the common ones. */
static long unix_getopt(struct sock *s, int level, int name, void *val, u32 *len)
{
	if (level != SOL_SOCKET)
		return -EOPNOTSUPP;
	if (name == SO_PEERCRED) {
		u32 cred[3];
		unix_peercred(s, cred);
		return opt_out(cred, sizeof(cred), val, len);
	}
	int v;
	switch (name) {
	case SO_SNDBUF: case SO_RCVBUF: v = (int)unix_buffer_size(); break;
	case SO_DOMAIN: v = AF_UNIX; break;
	case SO_PROTOCOL: v = 0; break;
	case SO_PASSCRED: v = 0; break;
	default: return -ENOPROTOOPT;
	}
	return opt_out(&v, sizeof(v), val, len);
}

long sock_getopt(struct sock *s, int level, int name, void *val, u32 *len)
{
	int v;
	if (s->family == AF_UNIX) {
		long err = unix_getopt(s, level, name, val, len);
		if (err != -ENOPROTOOPT)
			return err;
	}
	if (level == SOL_SOCKET) {
		switch (name) {
		case SO_TYPE: v = s->type; break;
		case SO_ERROR: v = (int)sock_take_error(s); break;
		case SO_REUSEADDR: v = s->reuseaddr; break;
		case SO_KEEPALIVE: v = s->keepalive; break;
		case SO_SNDBUF: v = TCP_SND_BUF; break;
		case SO_RCVBUF: v = TCP_WND; break;
		case SO_ACCEPTCONN: v = s->state == SS_LISTENING; break;
		case SO_DOMAIN: v = s->family; break;
		case SO_PROTOCOL: v = s->type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP; break;
		default: return -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_TCP && s->type == SOCK_STREAM) {
		switch (name) {
		case TCP_NODELAY: v = s->nodelay; break;
		case TCP_MAXSEG: v = TCP_MSS; break;
		default: return -ENOPROTOOPT;
		}
	} else if (level == IPPROTO_IPV6 && s->family == AF_INET6 && name == IPV6_V6ONLY) {
		v = s->v6only;
	} else {
		return -ENOPROTOOPT;
	}
	return opt_out(&v, sizeof(v), val, len);
}
