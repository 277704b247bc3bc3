/* Functions of ours that lwIP calls through the LWIP_HOOK_ macros of lwipopts.h. */
#pragma once
#include "lwip/pbuf.h"

/* An IP packet (p->payload: its IP header) is about to be processed. For a SYN: a connection in
 * TIME_WAIT that Linux would let it replace ends first, and so do the oldest ones past a limit
 * (net/syn.c). */
void tcp_syn_hook(struct pbuf *p, int ipv6);
