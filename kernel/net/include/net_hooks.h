/* Functions of ours that lwIP calls through the LWIP_HOOK_ macros of lwipopts.h. */
#pragma once
#include "lwip/pbuf.h"

struct netif;

/* An IP packet (p->payload: its IP header) came in on inp and is about to be processed. For a
 * SYN: a connection in TIME_WAIT that Linux would let it replace ends first, and so do the oldest
 * ones past a limit; a SYN to a listener whose accept queue is full is held back (net/syn.c).
 * Returns 1 when it took the packet, 0 when lwIP goes on with it. */
int tcp_syn_hook(struct pbuf *p, struct netif *inp, int ipv6);

/* A listener has room for a connection again, or closed (net/tcp.c). */
void tcp_syn_room(void);

/* Since the last tcp_syn_room: hands the held SYNs whose listener has room to lwIP (net_poll). */
void tcp_syn_release(void);
