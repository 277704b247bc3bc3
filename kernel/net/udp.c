/* Datagram sockets on lwIP's raw UDP API: received datagrams wait in a queue (at most
 * UDP_QUEUE_MAX, then new ones are dropped, as a full receive buffer drops them on Linux). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "poll.h"
#include "sock.h"

#define UDP_QUEUE_MAX 256

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port)
{
	(void)pcb;
	struct sock *s = arg;
	struct dgram *d = s->dq_len < UDP_QUEUE_MAX && !s->shut_rd ? kzalloc(sizeof(*d)) : NULL;
	if (!d) {
		pbuf_free(p);
		return;
	}
	d->p = p;
	ip_addr_copy(d->from, *addr);
	d->port = port;
	if (s->dq_tail)
		s->dq_tail->next = d;
	else
		s->dq = d;
	s->dq_tail = d;
	s->dq_len++;
	sock_changed(s);
}

long udp_sock_init(struct sock *s)
{
	s->udp = udp_new_ip_type(s->family == AF_INET6 ? IPADDR_TYPE_ANY : IPADDR_TYPE_V4);
	if (!s->udp)
		return -ENOMEM;
	udp_recv(s->udp, on_recv, s);
	return 0;
}

long udp_sock_bind(struct sock *s, const ip_addr_t *ip, u16 port)
{
	if (s->udp->local_port)
		return -EINVAL;
	if (s->reuseaddr)
		ip_set_option(s->udp, SOF_REUSEADDR);
	err_t err = udp_bind(s->udp, ip, port);
	return err == ERR_OK ? 0 : err == ERR_USE ? -EADDRINUSE : -EADDRNOTAVAIL;
}

long udp_sock_connect(struct sock *s, const ip_addr_t *ip, u16 port)
{
	err_t err = udp_connect(s->udp, ip, port);
	if (err != ERR_OK)
		return -EADDRINUSE;
	s->state = SS_CONNECTED;
	return 0;
}

long udp_sock_send(struct sock *s, const u8 *buf, u64 len, const ip_addr_t *ip, u16 port)
{
	if (len > 65507)
		return -EMSGSIZE;
	if (!ip && s->state != SS_CONNECTED)
		return -EDESTADDRREQ;
	struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	pbuf_take(p, buf, (u16_t)len);
	err_t err = ip ? udp_sendto(s->udp, p, ip, port) : udp_send(s->udp, p);
	pbuf_free(p);
	if (err == ERR_RTE)
		return -ENETUNREACH;
	return err == ERR_OK || err == ERR_MEM ? (long)len : -EIO; /* no memory: dropped, as a full queue */
}

long udp_sock_recv(struct sock *s, u8 *buf, u64 len, int flags, ip_addr_t *from, u16 *port, bool nonblock)
{
	nonblock |= flags & MSG_DONTWAIT;
	while (!s->dq) {
		if (s->shut_rd)
			return 0;
		if (nonblock)
			return -EAGAIN;
		long e = sock_wait(s, s->rcvtimeo);
		if (e)
			return e;
	}
	struct dgram *d = s->dq;
	u16 size = d->p->tot_len, n = (u16)MIN(len, size);
	pbuf_copy_partial(d->p, buf, n, 0);
	if (from) {
		ip_addr_copy(*from, d->from);
		*port = d->port;
	}
	if (!(flags & MSG_PEEK)) {
		s->dq = d->next;
		if (!s->dq)
			s->dq_tail = NULL;
		s->dq_len--;
		pbuf_free(d->p);
		kfree(d);
	}
	return flags & MSG_TRUNC ? size : n;
}

u32 udp_sock_poll(struct sock *s)
{
	return (s->dq || s->shut_rd ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM | (s->error ? POLLERR : 0);
}

void udp_sock_close(struct sock *s)
{
	udp_remove(s->udp);
	while (s->dq) {
		struct dgram *d = s->dq;
		s->dq = d->next;
		pbuf_free(d->p);
		kfree(d);
	}
}
