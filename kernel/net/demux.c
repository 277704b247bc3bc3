/* Finding a segment's connection in O(1). lwIP looks for the pcb of each TCP segment by walking its
 * list of active connections from the front, and moves the one it finds to the front: a server
 * whose thousands of clients take turns pays a walk past all of them for every segment (the scale
 * fixture's pingpong, one byte there and back over each of 2,000 connections over 127.0.0.1 in
 * turn: 190 us a round trip with that walk, 20-30 us without it, as with 16 connections; lwIP's
 * heap was the other half of the cost, net.c). So each segment is looked up first in a hash table of ours, keyed by its four-tuple
 * (tcp_demux_hook, called for every IP packet before lwIP sees it), and its pcb moved to the front
 * of the list, where lwIP's walk then ends at once.
 *
 * Moving a pcb takes the one before it in lwIP's singly linked list. Each pcb of ours carries a
 * record (struct pcb_ext, in the pcb's ext_args slot) with a guess of that predecessor, kept
 * right by our own moves; lwIP's own changes (a new connection at the front, one leaving) make
 * some guesses wrong, which the check catches (the guess must be a live pcb in the list whose
 * next is ours), and then the predecessor is found by a walk, once. Records are never freed, only
 * reused, and carry a generation, so a guess pointing at a record whose pcb is gone is seen as
 * such without touching freed memory.
 *
 * The record also holds, during a connection's handshake, the listener that counts it (tcp.c). */
#include "lib.h"
#include "mm.h"
#include "sock.h"
#include "lwip/ip_addr.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/ip6.h"
#include "lwip/prot/tcp.h"

#define BUCKETS (PAGE_SIZE / sizeof(struct pcb_ext *)) /* a frame of chains, made at the first connection */

struct pcb_ext {
	struct tcp_pcb *pcb;   /* NULL while free */
	u32 gen;               /* changes when the record is freed */
	u32 key;
	bool hashed;
	struct pcb_ext *hnext; /* the hash chain, or the free list */
	struct pcb_ext *prev;  /* the guess: the record of the pcb before this one (NULL: the front) */
	u32 prev_gen;
	struct sock *listener; /* during the handshake: the listener counting it (tcp.c) */
};

static u8_t ext_id = LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID;
static struct pcb_ext **table;
static struct pcb_ext *free_exts;

u8_t tcp_ext_id(void)
{
	if (ext_id == LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID)
		ext_id = tcp_ext_arg_alloc_id();
	return ext_id;
}

static u32 key_of(u16 remote_port, u16 local_port, u32 remote_ip)
{
	u32 h = remote_ip ^ ((u32)remote_port << 16 | local_port);
	h ^= h >> 16;
	h *= 0x45d9f3bU;
	h ^= h >> 16;
	return h;
}

static u32 ip_word(const ip_addr_t *ip)
{
	return IP_IS_V6_VAL(*ip) ? ip_2_ip6(ip)->addr[3] : ip_2_ip4(ip)->addr;
}

static void unhash(struct pcb_ext *e)
{
	if (!e->hashed)
		return;
	struct pcb_ext **at = &table[e->key % BUCKETS];
	while (*at != e)
		at = &(*at)->hnext;
	*at = e->hnext;
	e->hashed = false;
}

static void destroyed(u8_t id, void *data)
{
	(void)id;
	struct pcb_ext *e = data;
	if (!e)
		return;
	unhash(e);
	if (e->listener)
		tcp_half_open_ended(e->listener);
	e->pcb = NULL;
	e->listener = NULL;
	e->gen++;
	e->hnext = free_exts;
	free_exts = e;
}

static const struct tcp_ext_arg_callbacks ext_callbacks = { .destroy = destroyed };

struct pcb_ext *pcb_ext_new(struct tcp_pcb *pcb)
{
	struct pcb_ext *e = free_exts;
	if (e) {
		free_exts = e->hnext;
	} else if (!(e = kzalloc(sizeof(*e)))) {
		return NULL;
	}
	u32 gen = e->gen;
	*e = (struct pcb_ext){ .pcb = pcb, .gen = gen };
	tcp_ext_arg_set_callbacks(pcb, tcp_ext_id(), &ext_callbacks);
	tcp_ext_arg_set(pcb, tcp_ext_id(), e);
	return e;
}

struct pcb_ext *pcb_ext_of(struct tcp_pcb *pcb)
{
	return ext_id == LWIP_TCP_PCB_NUM_EXT_ARG_ID_INVALID ? NULL : tcp_ext_arg_get(pcb, ext_id);
}

struct sock **pcb_ext_listener(struct tcp_pcb *pcb)
{
	struct pcb_ext *e = pcb_ext_of(pcb);
	return e ? &e->listener : NULL;
}

void pcb_ext_drop(struct tcp_pcb *pcb)
{
	struct pcb_ext *e = pcb_ext_of(pcb);
	if (!e)
		return;
	tcp_ext_arg_set(pcb, ext_id, NULL);
	destroyed(ext_id, e);
}

void pcb_ext_hash(struct tcp_pcb *pcb)
{
	struct pcb_ext *e = pcb_ext_of(pcb);
	if (!e)
		return;
	if (!table) {
		u64 pa = pmm_alloc(); /* zeroed */
		if (!pa)
			return; /* lwIP finds it all the same, by its walk */
		table = phys_to_virt(pa);
	}
	unhash(e);
	e->key = key_of(pcb->remote_port, pcb->local_port, ip_word(&pcb->remote_ip));
	e->hnext = table[e->key % BUCKETS];
	table[e->key % BUCKETS] = e;
	e->hashed = true;
}

static bool in_active_list(const struct tcp_pcb *pcb) { return pcb->state >= SYN_SENT && pcb->state <= LAST_ACK; }

/* The record's guess of its predecessor, if it is right. */
static bool guess_right(const struct pcb_ext *e, struct tcp_pcb **prev)
{
	if (!e->prev)
		return false; /* the front was checked by the caller */
	const struct pcb_ext *g = e->prev;
	if (g->gen != e->prev_gen || !g->pcb || !in_active_list(g->pcb) || g->pcb->next != e->pcb)
		return false;
	*prev = g->pcb;
	return true;
}

static void set_prev(struct tcp_pcb *pcb, struct pcb_ext *prev)
{
	struct pcb_ext *e = pcb_ext_of(pcb);
	if (!e)
		return;
	e->prev = prev;
	e->prev_gen = prev ? prev->gen : 0;
}

/* Puts e's pcb at the front of lwIP's active list. */
static void to_front(struct pcb_ext *e)
{
	struct tcp_pcb *pcb = e->pcb, *prev = NULL;
	if (tcp_active_pcbs == pcb)
		return;
	if (!guess_right(e, &prev)) {
		for (struct tcp_pcb *p = tcp_active_pcbs; p && p != pcb; p = p->next)
			prev = p;
		if (!prev || prev->next != pcb)
			return; /* not in the list after all: lwIP will see */
	}
	struct tcp_pcb *next = pcb->next, *head = tcp_active_pcbs;
	prev->next = next;
	pcb->next = head;
	tcp_active_pcbs = pcb;
	if (next)
		set_prev(next, pcb_ext_of(prev));
	set_prev(head, e);
	e->prev = NULL;
}

void tcp_demux_hook(struct pbuf *p, int ipv6)
{
	if (!table || !tcp_active_pcbs)
		return;
	ip_addr_t src, dst;
	u16_t offset;
	if (ipv6) {
		const struct ip6_hdr *ip = p->payload;
		if (p->len < IP6_HLEN || IP6H_NEXTH(ip) != IP6_NEXTH_TCP)
			return;
		ip_addr_copy_from_ip6_packed(src, ip->src);
		ip_addr_copy_from_ip6_packed(dst, ip->dest);
		offset = IP6_HLEN;
	} else {
		const struct ip_hdr *ip = p->payload;
		if (p->len < IP_HLEN || IPH_PROTO(ip) != IP_PROTO_TCP || (IPH_OFFSET(ip) & PP_HTONS(IP_OFFMASK | IP_MF)))
			return;
		ip_addr_copy_from_ip4(src, ip->src);
		ip_addr_copy_from_ip4(dst, ip->dest);
		offset = (u16_t)IPH_HL_BYTES(ip);
	}
	if (p->len < offset + TCP_HLEN)
		return;
	const struct tcp_hdr *tcp = (const struct tcp_hdr *)((const u8_t *)p->payload + offset);
	u16 rport = lwip_ntohs(tcp->src), lport = lwip_ntohs(tcp->dest);
	u32 key = key_of(rport, lport, ip_word(&src));
	for (struct pcb_ext *e = table[key % BUCKETS]; e; e = e->hnext) {
		struct tcp_pcb *pcb = e->pcb;
		if (e->key != key || !in_active_list(pcb) || pcb->netif_idx != NETIF_NO_INDEX)
			continue;
		if (pcb->remote_port == rport && pcb->local_port == lport && ip_addr_cmp(&pcb->remote_ip, &src) &&
		    ip_addr_cmp(&pcb->local_ip, &dst)) {
			to_front(e);
			return;
		}
	}
}
