/* Stream sockets on lwIP's raw TCP API. lwIP calls back (from an interrupt taken in user mode or
 * the idle loop, or from inside a socket call) when data, acknowledgements, connections or
 * errors arrive; the callbacks queue what came and wake the socket's waiters. Received data
 * stays in lwIP's pbufs until the app reads it; only then is the window opened (tcp_recved). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "net.h"
#include "net_stats.h"
#include "net_hooks.h"
#include "poll.h"
#include "sock.h"
#include "lwip/priv/tcp_priv.h"

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
	if (!pcb_ext_new(pcb)) {
		tcp_close(pcb);
		return -ENOMEM;
	}
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

#define MAX_BACKLOG 4096

/* Admission of new connections, as Linux's: a SYN does not reach lwIP while the accept queue has
 * no room for it (net/syn.c holds it until there is), counting the handshakes under way (half_open) so that each of
 * them has a place when it completes; there is no other limit on handshakes under way (Linux's
 * SYN cookies). lwIP's own backlog is a byte that would cap those at 255, so lwIP is left to
 * count nothing: a new connection's pcb leaves lwIP's count at once (passive_open) and joins the
 * listener's half_open until its handshake completes (on_accept) or it dies (destroy); lwIP's
 * backlog is then 1 to take a SYN and 0 to refuse it, set directly (tcp_backlog_set makes 0 into 1). */
static void set_room(struct sock *l)
{
	u8_t room = l->queue_len + l->half_open < l->queue_max;
	((struct tcp_pcb_listen *)l->tcp)->backlog = room;
	if (room)
		tcp_syn_room();
}

void tcp_half_open_ended(struct sock *l)
{
	l->half_open--;
	set_room(l);
}

/* lwIP made cpcb for a SYN to lpcb and counted it against its backlog. */
static err_t passive_open(u8_t id, struct tcp_pcb_listen *lpcb, struct tcp_pcb *cpcb)
{
	(void)id;
	struct sock *l = lpcb->callback_arg;
	tcp_backlog_accepted(cpcb);
	struct pcb_ext *e = pcb_ext_new(cpcb);
	if (!e)
		return ERR_MEM; /* lwIP drops the connection; the client sends its SYN again */
	*pcb_ext_listener(cpcb) = l;
	pcb_ext_hash(cpcb);
	l->half_open++;
	set_room(l);
	return ERR_OK;
}

static const struct tcp_ext_arg_callbacks listener_callbacks = { .passive_open = passive_open };

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
	struct sock *l = arg;
	if (err != ERR_OK || !pcb)
		return ERR_VAL;
	struct sock **counted = pcb_ext_listener(pcb);
	if (counted && *counted) { /* its handshake is done */
		*counted = NULL;
		tcp_half_open_ended(l);
	}
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
	if (l->acc_tail)
		l->acc_tail->acc_next = c;
	else
		l->acc_head = c;
	l->acc_tail = c;
	l->queue_len++;
	set_room(l);
	sock_changed(l);
	return ERR_OK;
}

/* A second listen changes the backlog, as Linux's: connections already queued stay. */
static long relisten(struct sock *s, int max)
{
	s->queue_max = max;
	set_room(s);
	return 0;
}

long tcp_sock_listen(struct sock *s, int backlog)
{
	/* as Linux, backlog + 1 connections may wait for accept, the backlog capped at 4096
	 * (net.core.somaxconn); further SYNs wait for room (set_room) */
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
	pcb_ext_drop(s->tcp); /* lwIP copies a pcb's ext_args to its listening pcb */
	struct tcp_pcb *lpcb = tcp_listen_with_backlog(s->tcp, 1);
	if (!lpcb)
		return -ENOMEM;
	s->tcp = lpcb;
	s->queue_max = max;
	set_room(s);
	s->state = SS_LISTENING;
	tcp_arg(lpcb, s);
	tcp_accept(lpcb, on_accept);
	tcp_ext_arg_set_callbacks(lpcb, tcp_ext_id(), &listener_callbacks);
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
	struct sock *c = s->acc_head;
	if (!(s->acc_head = c->acc_next))
		s->acc_tail = NULL;
	c->acc_next = NULL;
	s->queue_len--;
	if (s->tcp)
		set_room(s);
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
	pcb_ext_hash(s->tcp); /* its four-tuple is set */
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

/* Data the app has read is acknowledged before the CPU next sleeps or the next timer tick
 * (tcp_flush_acks, from net_poll), not on lwIP's 250 ms delayed-ACK timer: the peer may be waiting
 * for it to send more. Not at once either: an answer the app writes meanwhile carries the ACK
 * (a request and its response are then one segment each way, not two from us). */
static struct sock *acks_due;

static void ack_soon(struct sock *s)
{
	if (s->ack_due)
		return;
	s->ack_due = true;
	s->ack_next = acks_due;
	acks_due = s;
}

static void ack_forget(struct sock *s)
{
	if (!s->ack_due)
		return;
	struct sock **at = &acks_due;
	while (*at != s)
		at = &(*at)->ack_next;
	*at = s->ack_next;
	s->ack_due = false;
}

void tcp_flush_acks(void)
{
	while (acks_due) {
		struct sock *s = acks_due;
		acks_due = s->ack_next;
		s->ack_due = false;
		if (s->tcp && (s->tcp->flags & (TF_ACK_DELAY | TF_ACK_NOW))) {
			tcp_ack_now(s->tcp);
			tcp_output(s->tcp);
		}
	}
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
				tcp_recved(s->tcp, n); /* sends a window update when the window opened wide */
				ack_soon(s);
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

/* The app closed its last descriptor: unread data, queued connections or SO_LINGER with a time of 0
 * reset, else FIN. */
void tcp_sock_close(struct sock *s)
{
	ack_forget(s);
	for (struct sock *c = s->acc_head, *next; c; c = next) {
		next = c->acc_next;
		if (c->tcp) {
			unhook(c->tcp);
			tcp_abort(c->tcp);
		}
		if (c->rx)
			pbuf_free(c->rx);
		kfree(c);
	}
	if (s->state == SS_LISTENING)
		tcp_syn_room(); /* the SYNs held for it go on, to be answered with a reset */
	if (s->state == SS_LISTENING && s->half_open) {
		/* handshakes under way go on without their listener (lwIP resets them when they complete) */
		for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next) {
			struct sock **counted = pcb_ext_listener(p);
			if (counted && *counted == s)
				*counted = NULL;
		}
	}
	if (s->tcp) {
		struct tcp_pcb *pcb = s->tcp;
		unhook(pcb);
		/* as Linux: dropping unread data resets the connection; tcp_close fails only without memory */
		if (s->rx || s->linger_reset || s->state == SS_CONNECTING || tcp_close(pcb) != ERR_OK)
			tcp_abort(pcb);
	}
	if (s->rx)
		pbuf_free(s->rx);
}
