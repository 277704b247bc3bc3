/* lwIP's configuration for the kernel: no OS layer (NO_SYS: the raw API, called only from kernel
 * code, which is never preempted, and from interrupts taken in user mode or the idle loop), IPv4
 * and IPv6 with TCP, UDP, ICMP and ARP over Ethernet, a loopback interface for 127.0.0.1 and ::1.
 * One heap, made at net_init from RAM frames (LWIP_RAM_HEAP_POINTER), holds pbufs and every pool. */
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

/* Every IP packet passes by net/syn.c first (the macros' 0: lwIP goes on with it). */
#define LWIP_HOOK_FILENAME "net_hooks.h"
#define LWIP_HOOK_IP4_INPUT(p, inp) (tcp_syn_hook((p), 0), 0)
#define LWIP_HOOK_IP6_INPUT(p, inp) (tcp_syn_hook((p), 1), 0)

/* Memory: one heap for everything, made when networking starts, its size from the VM's RAM
 * (net_heap_size: an eighth of it, 8 MiB at least, net.c). The pools (pcbs, segments, pbufs) are
 * taken from the heap on demand (MEMP_MEM_MALLOC): the MEMP_NUM_* and PBUF_POOL_SIZE counts below
 * limit nothing (lwIP reads them only for static pools), so the number of connections is bounded
 * by the heap alone. MEM_SIZE is that variable; the preprocessor sees 0 for it, so the conditional
 * makes lwIP's `#if MEM_SIZE > 64000` choose 32-bit heap offsets. */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
extern unsigned long net_heap_size;
#define MEM_SIZE (net_heap_size ? net_heap_size : 0x10000000UL)
extern unsigned char *net_heap;
#define LWIP_RAM_HEAP_POINTER net_heap
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
