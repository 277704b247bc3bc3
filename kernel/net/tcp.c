/* Stream sockets on lwIP's raw TCP API. lwIP calls back (from an interrupt taken in user mode or
 * the idle loop, or from inside a socket call) when data, acknowledgements, connections or
 * errors arrive; the callbacks queue what came and wake the socket's waiters. Received data
 * stays in lwIP's pbufs until the app reads it; only then is the window opened (tcp_recved). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "net.h"
#include "net_stats.h"
#include "poll.h"
#include "sock.h"

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
	(void)pcb;
	struct sock *s = arg;
	if (err != ERR_OK) {
		if (p)
			pbuf_free(p);
		return ERR_OK;
	}
	if (!p)
		s->rx_fin = true;
	else if (s->rx)
		pbuf_cat(s->rx, p);
	else
		s->rx = p;
	sock_changed(s);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
	(void)pcb, (void)len;
	sock_changed(arg);
	return ERR_OK;
}

/* lwIP has freed the pcb: a reset, a refused or timed-out connection. */
static void on_error(void *arg, err_t err)
{
	struct sock *s = arg;
	s->tcp = NULL;
	if (s->state == SS_CONNECTING)
		s->error = err == ERR_RST ? ECONNREFUSED : ETIMEDOUT;
	else if (err == ERR_RST)
		s->error = s->rx_fin ? EPIPE : ECONNRESET; /* as Linux: a reset after the peer's FIN (CLOSE_WAIT) */
	else
		s->error = ECONNABORTED;
	s->state = SS_CLOSED;
	sock_changed(s);
}

/* Nagle's algorithm stays off: with lwIP's delayed ACKs it would hold the second of two small
 * writes (a header, then a body) for up to 250 ms. TCP_NODELAY is recorded for getsockopt only. */
static void hook(struct sock *s, struct tcp_pcb *pcb)
{
	s->tcp = pcb;
	tcp_nagle_disable(pcb);
	tcp_arg(pcb, s);
	tcp_recv(pcb, on_recv);
	tcp_sent(pcb, on_sent);
	tcp_err(pcb, on_error);
}

/* A listening pcb is a smaller struct tcp_pcb_listen: tcp_recv, tcp_sent and tcp_err on it would
 * write past its end into the heap (lwIP checks that only with assertions on). */
static void unhook(struct tcp_pcb *pcb)
{
	tcp_arg(pcb, NULL);
	if (pcb->state == LISTEN) {
		tcp_accept(pcb, NULL);
		return;
	}
	tcp_recv(pcb, NULL);
	tcp_sent(pcb, NULL);
	tcp_err(pcb, NULL);
}

long tcp_sock_init(struct sock *s)
{
	struct tcp_pcb *pcb = tcp_new_ip_type(s->family == AF_INET6 ? IPADDR_TYPE_ANY : IPADDR_TYPE_V4);
	if (!pcb)
		return -ENOMEM;
	hook(s, pcb);
	return 0;
}

long tcp_sock_bind(struct sock *s, const ip_addr_t *ip, u16 port)
{
	if (!s->tcp || s->state != SS_NEW)
		return -EINVAL;
	if (s->tcp->local_port)
		return -EINVAL; /* bound already */
	if (s->reuseaddr)
		ip_set_option(s->tcp, SOF_REUSEADDR);
	err_t err = tcp_bind(s->tcp, ip, port);
	return err == ERR_OK ? 0 : err == ERR_USE ? -EADDRINUSE : -EADDRNOTAVAIL;
}

#define MAX_BACKLOG 254

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *l = arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct sock *c = l->queue_len < l->queue_max ? sock_alloc(SOCK_STREAM) : NULL;
	if (!c) {
		net_stats.accept_queue_full += l->queue_len >= l->queue_max;
		tcp_abort(pcb);
		return ERR_ABRT;
	}
	hook(c, pcb);
	c->family = l->family;
	c->v6only = l->v6only;
	c->state = SS_CONNECTED;
	c->nodelay = l->nodelay;
	l->queue[l->queue_len++] = c;
	sock_changed(l);
	return ERR_OK;
}

/* A second listen changes the backlog, as Linux's: connections already queued stay. */
static long relisten(struct sock *s, int max)
{
	if (max > s->queue_max) {
		struct sock **queue = kzalloc(sizeof(*queue) * (size_t)max);
		if (!queue)
			return -ENOMEM;
		memcpy(queue, s->queue, sizeof(*queue) * (size_t)s->queue_len);
		kfree(s->queue);
		s->queue = queue;
	}
	s->queue_max = MAX(max, s->queue_len);
	tcp_backlog_set(s->tcp, (u8_t)max);
	return 0;
}

long tcp_sock_listen(struct sock *s, int backlog)
{
	/* as Linux, backlog + 1 connections may wait for accept; lwIP's backlog counts them (and the
	 * handshakes under way) and drops further SYNs, which the clients send again later. lwIP keeps
	 * it in a byte: 254 + 1 at most (Linux: net.core.somaxconn, 4096) */
	int max = (backlog < 0 ? 0 : backlog > MAX_BACKLOG ? MAX_BACKLOG : backlog) + 1;
	if (s->state == SS_LISTENING)
		return relisten(s, max);
	if (s->state != SS_NEW || !s->tcp)
		return -EINVAL;
	if (!s->tcp->local_port) {
		const ip_addr_t *any = s->family != AF_INET6 ? IP4_ADDR_ANY : s->v6only ? IP6_ADDR_ANY : IP_ANY_TYPE;
		long err = tcp_sock_bind(s, any, 0);
		if (err)
			return err;
	}
	s->queue = kzalloc(sizeof(*s->queue) * (size_t)max);
	if (!s->queue)
		return -ENOMEM;
	struct tcp_pcb *lpcb = tcp_listen_with_backlog(s->tcp, (u8_t)max);
	if (!lpcb) {
		kfree(s->queue);
		s->queue = NULL;
		return -ENOMEM;
	}
	s->tcp = lpcb;
	s->queue_max = max;
	s->state = SS_LISTENING;
	tcp_arg(lpcb, s);
	tcp_accept(lpcb, on_accept);
	return 0;
}

long tcp_sock_accept(struct sock *s, bool nonblock, struct sock **out)
{
	if (s->state != SS_LISTENING)
		return -EINVAL;
	while (!s->queue_len) {
		if (nonblock)
			return -EAGAIN;
		long err = sock_wait(s, 0);
		if (err)
			return err;
	}
	struct sock *c = s->queue[0];
	memmove(s->queue, s->queue + 1, sizeof(*s->queue) * (size_t)--s->queue_len);
	if (c->tcp)
		tcp_backlog_accepted(c->tcp);
	*out = c;
	return 0;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
	(void)pcb;
	struct sock *s = arg;
	if (err == ERR_OK)
		s->state = SS_CONNECTED;
	sock_changed(s);
	return ERR_OK;
}

long tcp_sock_connect(struct sock *s, const ip_addr_t *ip, u16 port, bool nonblock)
{
	if (s->state == SS_CONNECTED)
		return -EISCONN;
	if (s->state == SS_CONNECTING)
		return -EALREADY;
	if (s->state != SS_NEW || !s->tcp)
		return s->error ? -sock_take_error(s) : -EINVAL;
	err_t err = tcp_connect(s->tcp, ip, port, on_connected);
	if (err != ERR_OK)
		return err == ERR_RTE ? -ENETUNREACH : err == ERR_USE ? -EADDRINUSE : -ENOMEM;
	s->state = SS_CONNECTING;
	net_poll(); /* a connection to 127.0.0.1 completes through the loopback queue */
	if (nonblock && s->state == SS_CONNECTING)
		return -EINPROGRESS;
	while (s->state == SS_CONNECTING) {
		long e = sock_wait(s, 0);
		if (e)
			return e == -ERESTARTSYS ? -EINTR : e; /* Linux: EINTR, the connection goes on */
	}
	return s->state == SS_CONNECTED ? 0 : -sock_take_error(s);
}

long tcp_sock_send(struct sock *s, const u8 *buf, u64 len, int flags, bool nonblock)
{
	if (s->error)
		return -sock_take_error(s);
	if (s->state != SS_CONNECTED || s->shut_wr)
		return -EPIPE; /* as Linux, for a socket never connected too (no SIGPIPE: see the catalog) */
	nonblock |= flags & MSG_DONTWAIT;
	u64 sent = 0;
	while (sent < len) {
		if (!s->tcp)
			return sent ? (long)sent : s->error ? -sock_take_error(s) : -EPIPE;
		u64 room = MIN(tcp_sndbuf(s->tcp), 0xffffU);
		if (room && tcp_sndqueuelen(s->tcp) < TCP_SND_QUEUELEN) {
			u64 n = MIN(room, len - sent);
			u8 more = sent + n < len ? TCP_WRITE_FLAG_MORE : 0;
			err_t err = tcp_write(s->tcp, buf + sent, (u16_t)n, TCP_WRITE_FLAG_COPY | more);
			if (err == ERR_OK) {
				sent += n;
				continue;
			}
			if (err != ERR_MEM)
				return sent ? (long)sent : -EPIPE;
		}
		tcp_output(s->tcp);
		if (nonblock)
			return sent ? (long)sent : -EAGAIN;
		long e = sock_wait(s, s->sndtimeo);
		if (e)
			return sent ? (long)sent : e;
	}
	if (s->tcp)
		tcp_output(s->tcp);
	return (long)sent;
}

long tcp_sock_recv(struct sock *s, u8 *buf, u64 len, int flags, bool nonblock)
{
	if (s->state == SS_LISTENING || s->state == SS_NEW || s->state == SS_CONNECTING)
		return -ENOTCONN;
	nonblock |= flags & MSG_DONTWAIT;
	u64 got = 0;
	while (got < len) {
		if (s->rx) {
			u16 n = (u16)MIN(len - got, s->rx->tot_len);
			pbuf_copy_partial(s->rx, buf + got, n, 0);
			got += n;
			if (flags & MSG_PEEK)
				break;
			s->rx = pbuf_free_header(s->rx, n);
			if (s->tcp) {
				/* acknowledged now, not on the 250 ms timer: the peer may be waiting to send more */
				tcp_recved(s->tcp, n);
				tcp_set_flags(s->tcp, TF_ACK_NOW);
				tcp_output(s->tcp);
			}
			if (!(flags & MSG_WAITALL))
				break;
			continue;
		}
		if (got || s->rx_fin || s->shut_rd)
			break;
		if (s->error)
			return -sock_take_error(s);
		if (s->state == SS_CLOSED)
			break;
		if (nonblock)
			return -EAGAIN;
		long e = sock_wait(s, s->rcvtimeo);
		if (e)
			return e;
	}
	return (long)got;
}

long tcp_sock_shutdown(struct sock *s, bool rd, bool wr)
{
	if (s->state != SS_CONNECTED && s->state != SS_CLOSED)
		return -ENOTCONN;
	s->shut_rd |= rd;
	if (wr && !s->shut_wr && s->tcp)
		tcp_shutdown(s->tcp, 0, 1);
	s->shut_wr |= wr;
	sock_changed(s);
	return 0;
}

u32 tcp_sock_poll(struct sock *s)
{
	u32 ev = s->error ? POLLERR : 0;
	switch (s->state) {
	case SS_LISTENING:
		return ev | (s->queue_len ? POLLIN | POLLRDNORM : 0);
	case SS_CONNECTING:
		return ev;
	case SS_NEW:
		return ev | POLLOUT | POLLWRNORM | POLLHUP;
	default:
		break;
	}
	if (s->rx)
		ev |= POLLIN | POLLRDNORM;
	if (s->rx_fin || s->shut_rd)
		ev |= POLLIN | POLLRDNORM | POLLRDHUP;
	if (s->state == SS_CLOSED || (s->shut_wr && (s->rx_fin || s->shut_rd)))
		ev |= POLLHUP | POLLIN | POLLRDNORM;
	if (s->state == SS_CLOSED || (s->tcp && tcp_sndbuf(s->tcp) > 0))
		ev |= POLLOUT | POLLWRNORM;
	return ev;
}

/* The app closed its last descriptor: unread data or queued connections reset, else FIN. */
void tcp_sock_close(struct sock *s)
{
	for (int i = 0; i < s->queue_len; i++) {
		struct sock *c = s->queue[i];
		if (c->tcp) {
			unhook(c->tcp);
			tcp_abort(c->tcp);
		}
		if (c->rx)
			pbuf_free(c->rx);
		kfree(c);
	}
	kfree(s->queue);
	if (s->tcp) {
		struct tcp_pcb *pcb = s->tcp;
		unhook(pcb);
		/* as Linux: dropping unread data resets the connection; tcp_close fails only without memory */
		if (s->rx || s->state == SS_CONNECTING || tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
	}
	if (s->rx)
		pbuf_free(s->rx);
}
