/* A SYN for a connection that lwIP still holds in TIME_WAIT. lwIP answers it with an ACK and
 * drops it, so a client that comes back from the same port within 2 MSL (two minutes) never
 * connects: QEMU's user networking gives the guest the host client's own port, and a load tool on
 * the host reuses ports within a few thousand connections (ab and wrk stalled after ~2000 of them).
 * Linux takes such a SYN as a new connection when its sequence number lies beyond the old
 * connection's last one, so no old segment can be mistaken for new data; so do we: the TIME_WAIT
 * pcb goes, and the SYN reaches the listening socket. */
#include "lwip/ip_addr.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/tcp.h"
#include "net_hooks.h"

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

void tcp_timewait_reuse(struct pbuf *p, int ipv6)
{
	if (!tcp_tw_pcbs)
		return;
	struct tuple t;
	const struct tcp_hdr *tcp = tcp_header(p, ipv6, &t);
	if (!tcp || (TCPH_FLAGS(tcp) & (TCP_SYN | TCP_ACK | TCP_RST)) != TCP_SYN)
		return;
	for (struct tcp_pcb *pcb = tcp_tw_pcbs; pcb; pcb = pcb->next) {
		if (!is_pcb_of(pcb, &t))
			continue;
		if (TCP_SEQ_GT(lwip_ntohl(tcp->seqno), pcb->rcv_nxt))
			tcp_abort(pcb); /* in TIME_WAIT: freed without a reset */
		return;
	}
}
