/* Each SYN that arrives, before lwIP looks at it (tcp_syn_hook, called for every IP packet): the
 * connections in TIME_WAIT kept as Linux keeps them, and a count of the SYNs a full backlog drops.
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
#include "lwip/ip_addr.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/tcp.h"
#include "net_hooks.h"
#include "net_stats.h"

#define MAX_TIME_WAIT 1024

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

/* A SYN for a port whose listener has its backlog full: lwIP drops it (its client sends it again
 * after a second or more), as Linux does with a full accept queue. Counted only. */
static void count_backlog_drop(const struct tuple *t)
{
	for (struct tcp_pcb_listen *l = tcp_listen_pcbs.listen_pcbs; l; l = l->next) {
		if (l->local_port == t->server_port && l->accepts_pending >= l->backlog) {
			net_stats.syn_backlog_full++;
			return;
		}
	}
}

void tcp_syn_hook(struct pbuf *p, int ipv6)
{
	struct tuple t;
	const struct tcp_hdr *tcp = tcp_header(p, ipv6, &t);
	if (!tcp || (TCPH_FLAGS(tcp) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return;
	if (tcp_tw_pcbs) {
		reuse(tcp, &t);
		trim();
	}
	count_backlog_drop(&t);
}
