/* lwIP's configuration for the kernel: no OS layer (NO_SYS: the raw API, called only from kernel
 * code, which is never preempted, and from interrupts taken in user mode or the idle loop), IPv4
 * and IPv6 with TCP, UDP, ICMP and ARP over Ethernet, a loopback interface for 127.0.0.1 and ::1.
 * Its memory comes from the kernel on demand (net.c). */
#pragma once

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define LWIP_RAW 0
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define LWIP_IPV6 1
/* IPv6 for AF_INET6 sockets: ::1, and dual-stack pcbs that take IPv4 too. The device gets no IPv6
 * address (IPv4 is what QEMU's forwards use): no autoconfiguration, router solicitation, MLD,
 * fragments or DHCPv6; no zones (scope_id is ignored). */
#define LWIP_IPV6_MLD 0
#define LWIP_IPV6_AUTOCONFIG 0
#define LWIP_IPV6_SEND_ROUTER_SOLICIT 0
#define LWIP_IPV6_DUP_DETECT_ATTEMPTS 0
#define LWIP_IPV6_FRAG 0
#define LWIP_IPV6_REASS 0
#define LWIP_IPV6_DHCP6 0
#define LWIP_IPV6_SCOPES 0
#define LWIP_ND6_QUEUEING 0
#define LWIP_IPV4 1
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_STATS 0
#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define LWIP_LOOPBACK_MAX_PBUFS 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_CHECKSUM_ON_COPY 1
#define SO_REUSE 1
#define LWIP_TCP_KEEPALIVE 1
/* One slot of our own in each pcb: its record (net/demux.c), with a listener's count of handshakes
 * under way (net/tcp.c). */
#define LWIP_TCP_PCB_NUM_EXT_ARGS 1

/* Every IP packet passes by net/syn.c first, which may keep a SYN (the macros' 1: lwIP forgets
 * it), then net/demux.c, which puts its connection's pcb at the front of lwIP's list (0: lwIP
 * goes on with the packet). */
#define LWIP_HOOK_FILENAME "net_hooks.h"
struct pbuf;
void tcp_demux_hook(struct pbuf *p, int ipv6);
#define LWIP_HOOK_IP4_INPUT(p, inp) (tcp_syn_hook((p), (inp), 0) || (tcp_demux_hook((p), 0), 0))
#define LWIP_HOOK_IP6_INPUT(p, inp) (tcp_syn_hook((p), (inp), 1) || (tcp_demux_hook((p), 1), 0))

/* Memory: the kernel's, on demand (net.c: net_mem_malloc, up to an eighth of the RAM), for the
 * pools (pcbs, segments, pbufs: MEMP_MEM_MALLOC) and the buffers alike: the MEMP_NUM_* and
 * PBUF_POOL_SIZE counts below limit nothing (lwIP reads them only for static pools), so the number
 * of connections is bounded by memory alone. */
#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#include <stddef.h>
void *net_mem_malloc(size_t size);
void *net_mem_calloc(size_t n, size_t size);
void net_mem_free(void *p);
#define mem_clib_malloc net_mem_malloc
#define mem_clib_calloc net_mem_calloc
#define mem_clib_free net_mem_free
#define PBUF_POOL_SIZE 256
#define MEMP_NUM_TCP_PCB 256
#define MEMP_NUM_TCP_PCB_LISTEN 32
#define MEMP_NUM_UDP_PCB 64
#define MEMP_NUM_TCP_SEG 1024
#define MEMP_NUM_SYS_TIMEOUT 16

/* TCP: 64 KiB windows and send buffers (one segment = one 1460-byte MSS). */
#define TCP_MSS 1460
#define TCP_WND (44 * TCP_MSS)
#define TCP_SND_BUF (44 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_LISTEN_BACKLOG 1
#define TCP_OVERSIZE TCP_MSS
#define LWIP_TCP_TIMESTAMPS 0
#define TCP_QUEUE_OOSEQ 1
/* TIME_WAIT lasts 2 MSL: 60 s, as Linux's (lwIP's default is two minutes). */
#define TCP_MSL 30000UL

#define LWIP_NOASSERT 1
#define LWIP_DEBUG 0
