/* Each SYN that arrives, before lwIP looks at it (tcp_syn_hook, called for every IP packet): the
 * connections in TIME_WAIT kept as Linux keeps them, and SYNs that find their listener's accept
 * queue full wait here for room instead of being dropped.
 *
 * A SYN for a connection still in TIME_WAIT: lwIP answers it with an ACK and drops it, so a client
 * that comes back from the same port within 2 MSL never connects. QEMU's user networking gives the
 * guest the host client's own port, and load tools on the host reuse ports within a few thousand
 * connections (ab stalled after ~2000). Linux takes such a SYN as a new connection when its
 * sequence number lies beyond the old connection's last one, so that no old segment can pass for
 * new data; so do we: the TIME_WAIT pcb goes, and the SYN reaches the listening socket.
 *
 * How many: Linux keeps at most tcp_max_tw_buckets (sized from its connection table) and closes
 * connections beyond that at once. lwIP keeps every one for 2 MSL in a list that each new
 * connection's SYN is compared with, entry by entry: over 9000 connections ab went from 1300 to
 * 600 requests/s. Past MAX_TIME_WAIT, the oldest go (lwIP adds at the front of the list). */
#include "lwip/ip.h"
#include "lwip/ip_addr.h"
#include "lwip/mem.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/tcp.h"
#include "net_hooks.h"
#include "net_stats.h"

#define MAX_TIME_WAIT 1024
#define MAX_HELD 4096 /* SYNs waiting for room, over all listeners (MAX_BACKLOG's worth) */

/* The connection's two ends as a packet from the client names them. */
struct tuple {
	ip_addr_t client, server;
	u16_t client_port, server_port;
};

static int is_pcb_of(const struct tcp_pcb *pcb, const struct tuple *t)
{
	return pcb->remote_port == t->client_port && pcb->local_port == t->server_port &&
	       ip_addr_cmp(&pcb->remote_ip, &t->client) && ip_addr_cmp(&pcb->local_ip, &t->server);
}

/* The TCP header of an IPv4 or IPv6 packet in p's first buffer, with the addresses; NULL if none. */
static const struct tcp_hdr *tcp_header(const struct pbuf *p, int ipv6, struct tuple *t)
{
	const u8_t *bytes = p->payload;
	u16_t offset;
	if (ipv6) {
		const struct ip6_hdr *ip = p->payload;
		if (p->len < IP6_HLEN || IP6H_NEXTH(ip) != IP6_NEXTH_TCP)
			return NULL;
		ip_addr_copy_from_ip6_packed(t->client, ip->src);
		ip_addr_copy_from_ip6_packed(t->server, ip->dest);
		offset = IP6_HLEN;
	} else {
		const struct ip_hdr *ip = p->payload;
		if (p->len < IP_HLEN || IPH_PROTO(ip) != IP_PROTO_TCP || (IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF)))
			return NULL;
		ip_addr_copy_from_ip4(t->client, ip->src);
		ip_addr_copy_from_ip4(t->server, ip->dest);
		offset = (u16_t)(IPH_HL_BYTES(ip));
	}
	if (p->len < offset + TCP_HLEN)
		return NULL;
	const struct tcp_hdr *tcp = (const struct tcp_hdr *)(bytes + offset);
	t->client_port = lwip_ntohs(tcp->src);
	t->server_port = lwip_ntohs(tcp->dest);
	return tcp;
}

/* Ends the TIME_WAIT connection a new SYN from the same port may replace, if any. */
static void reuse(const struct tcp_hdr *tcp, const struct tuple *t)
{
	for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
		if (!is_pcb_of(pcb, t))
			continue;
		if (TCP_SEQ_GT(lwip_ntohl(tcp->seqno), pcb->rcv_nxt)) {
			tcp_abort(pcb); /* in TIME_WAIT: freed without a reset */
			net_stats.timewait_reused++;
		}
		return;
	}
}

/* Ends the oldest TIME_WAIT connections past the first MAX_TIME_WAIT. */
static void trim(void)
{
	struct tcp_pcb *pcb = tcp_tw_pcbs;
	for (int kept = 1; pcb && kept < MAX_TIME_WAIT; kept++)
		pcb = pcb->next;
	while (pcb && pcb->next) {
		tcp_abort(pcb->next);
		net_stats.timewait_evicted++;
	}
}

/* The listener a SYN to t reaches, as lwIP chooses it: one bound to the address itself first,
 * else one bound to any address of the packet's IP version (or of both). */
static struct tcp_pcb_listen *listener_of(const struct tuple *t, int ipv6)
{
	struct tcp_pcb_listen *any = NULL;
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
		if (l->local_port != t->server_port)
			continue;
		if (ip_addr_cmp(&l->local_ip, &t->server))
			return l;
		if (!any && (IP_IS_ANY_TYPE_VAL(l->local_ip) || (!IP_IS_V6_VAL(l->local_ip) == !ipv6 && ip_addr_isany(&l->local_ip))))
			any = l;
	}
	return any;
}

/* A listener's accept queue is full when net/tcp.c has set its lwIP backlog to 0. */
static int is_full(const struct tcp_pcb_listen *l) { return l && l->backlog == 0; }

/* SYNs that found their listener full, oldest first, each a copy: the frame it came in stays
 * free for the next one. Linux drops such a SYN and its client sends it again after a timeout
 * that doubles each time; QEMU's user networking, which stands for every client of `-p`, waits
 * 3 s first. A client that opens thousands of connections at once (wrk -c 2000 on nginx, whose
 * backlog is 511) would wait seconds for the few the server takes a moment later. A SYN held here
 * goes on to lwIP as soon as the listener takes a connection (tcp_syn_release); the program sees
 * its backlog as on Linux, as nothing more than the backlog completes its handshake. A SYN sent
 * again while one is held waits too: lwIP answers it as a repeat once the first has gone on. */
struct held {
	struct held *next;
	struct pbuf *p;
	struct netif *inp;
	struct tuple t;
	int ipv6;
};

static struct held *held_head, **held_tail = &held_head;
static int held_count;
static int room_made; /* a listener took a connection or closed since the last release */

void tcp_syn_room(void) { room_made = 1; }

/* Keeps a copy of the SYN p to a full listener; whether p was taken (and freed). */
static int hold(struct pbuf *p, struct netif *inp, const struct tuple *t, int ipv6)
{
	struct held *h = held_count < MAX_HELD ? mem_malloc(sizeof *h) : NULL;
	struct pbuf *copy = h ? pbuf_alloc(PBUF_RAW, p->tot_len, PBUF_RAM) : NULL;
	if (!copy || pbuf_copy(copy, p) != ERR_OK) {
		if (copy)
			pbuf_free(copy);
		if (h)
			mem_free(h);
		net_stats.syn_backlog_full++; /* lwIP drops it */
		return 0;
	}
	pbuf_free(p);
	*h = (struct held){ .p = copy, .inp = inp, .t = *t, .ipv6 = ipv6 };
	*held_tail = h;
	held_tail = &h->next;
	held_count++;
	net_stats.syn_held++;
	return 1;
}

void tcp_syn_release(void)
{
	if (!room_made)
		return;
	room_made = 0;
	for (struct held **at = &held_head; *at;) {
		struct held *h = *at;
		if (is_full(listener_of(&h->t, h->ipv6))) {
			at = &h->next;
			continue;
		}
		if (!(*at = h->next))
			held_tail = at;
		held_count--;
		struct pbuf *p = h->p;
		struct netif *inp = h->inp;
		mem_free(h);
		/* to lwIP (a listener gone meanwhile: it answers with a reset, as for any SYN) */
		if (ip_input(p, inp) != ERR_OK)
			pbuf_free(p);
	}
}

int tcp_syn_hook(struct pbuf *p, struct netif *inp, int ipv6)
{
	struct tuple t;
	const struct tcp_hdr *tcp = tcp_header(p, ipv6, &t);
	if (!tcp || (TCPH_FLAGS(tcp) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return 0;
	if (tcp_tw_pcbs) {
		reuse(tcp, &t);
		trim();
	}
	return is_full(listener_of(&t, ipv6)) ? hold(p, inp, &t, ipv6) : 0;
}
