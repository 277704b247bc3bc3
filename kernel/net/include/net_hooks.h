/* Functions of ours that lwIP calls through the LWIP_HOOK_ macros of lwipopts.h. */
#pragma once
#include "lwip/pbuf.h"

/* An IP packet (p->payload: its IP header) is about to be processed: a SYN for a connection in
 * TIME_WAIT that Linux would accept as a new one ends the old one first (net/timewait.c). */
void tcp_timewait_reuse(struct pbuf *p, int ipv6);
