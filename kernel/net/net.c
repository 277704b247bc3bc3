/* The TCP/IP glue: lwIP's memory and clock, the interfaces (loopback, and the virtio-net device as
 * en0 with the address from the kernel command line's ip=), frames in and out, lwIP's timers.
 * lwIP starts with the first socket: a program without one pays nothing (and keeps the
 * scheduler's deadlock check, which lwIP's periodic timers would otherwise defeat). */
#include "net.h"
#include "clock.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "netdev.h"
#include "net_stats.h"
#include "net_hooks.h"
#include "poll.h"
#include "run_stats.h"
#include "socket.h"
#include "sock.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

#define NET_MEM_MIN (8UL << 20)
#define NET_EXIT_DRAIN_NS 2000000000UL     /* at exit, TCP gets this long to deliver what was written */
static struct netif eth;
static bool started, have_eth;

u32_t sys_now(void) { return (u32_t)(clock_monotonic_ns() / 1000000); }

unsigned long net_random(void) { return entropy_u64(); }

void net_lwip_panic(const char *msg) { panic("lwIP: %s", msg); }

/* lwIP's netif_find reads the number in an interface name ("en0") with atoi. */
int atoi(const char *s)
{
	u64 v = 0;
	size_t n = 0;
	while (s[n] >= '0' && s[n] <= '9')
		n++;
	parse_u64(s, n, 10, &v);
	return (int)v;
}

static err_t eth_output(struct netif *nif, struct pbuf *p)
{
	(void)nif;
	static u8 frame[NETDEV_FRAME_MAX]; /* gathers a chained pbuf; a single one is sent as it is */
	if (p->tot_len > sizeof(frame))
		return ERR_BUF;
	const void *data = pbuf_get_contiguous(p, frame, sizeof(frame), p->tot_len, 0);
	run_stats.net_out += p->tot_len;
	return data && netdev_send(data, p->tot_len) ? ERR_OK : ERR_MEM;
}

static err_t eth_setup(struct netif *nif)
{
	nif->name[0] = 'e';
	nif->name[1] = 'n';
	nif->mtu = 1500;
	nif->hwaddr_len = 6;
	netdev_mac(nif->hwaddr);
	nif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
	nif->output = etharp_output;
	nif->linkoutput = eth_output;
	return ERR_OK;
}

void net_input(const void *frame, size_t len)
{
	if (!have_eth)
		return;
	struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
	if (!p) {
		net_stats.rx_no_buffer++;
		return; /* out of buffers: dropped, as a full NIC would */
	}
	pbuf_take(p, frame, (u16_t)len);
	run_stats.net_in += len;
	if (eth.input(p, &eth) != ERR_OK)
		pbuf_free(p);
}

static bool loopback_pending(void)
{
	struct netif *n;
	NETIF_FOREACH(n)
		if (n->loop_first)
			return true;
	return false;
}

/* lwIP's memory (MEM_LIBC_MALLOC: its pools and buffers, lwipopts.h). lwIP's own heap finds a
 * block by walking every block from its lowest free one: with thousands of connections' pcbs in
 * it, each packet's buffer cost a walk past them (the scale fixture's pingpong over 2,000
 * connections: 200 us a round trip with it, 20-30 us without, with demux.c doing its part). Blocks up to a frame come from the kernel heap's
 * size classes instead (one list operation); larger ones (a big UDP datagram) take whole pages of
 * a region of their own, mapped from frames when first used and kept mapped (a page unmapped from
 * the kernel half could stay in another address space's TLB), found in a bitmap. Memory is taken
 * on demand, up to an eighth of the RAM (8 MiB at least); past that lwIP gets NULL and drops what
 * it cannot hold, as it would with a full heap. Each block starts with its size. */
#define BIG_PAGES 16384 /* 64 MiB of addresses for big blocks */
#define SMALL_MAX (PAGE_SIZE - 16) /* what a kernel-heap block of a frame holds after both headers */

static u64 mem_cap, mem_used;
static u64 big_used[BIG_PAGES / 64], big_mapped[BIG_PAGES / 64];

static bool bit(const u64 *map, u64 i) { return map[i / 64] >> (i % 64) & 1; }
static void set_bits(u64 *map, u64 from, u64 n, bool on)
{
	for (u64 i = from; i < from + n; i++)
		map[i / 64] = on ? map[i / 64] | 1UL << (i % 64) : map[i / 64] & ~(1UL << (i % 64));
}

static void *big_alloc(u64 pages)
{
	for (u64 start = 0, run = 0; start + run < BIG_PAGES;) {
		if (bit(big_used, start + run)) {
			start += run + 1;
			run = 0;
			continue;
		}
		if (++run < pages)
			continue;
		for (u64 i = start; i < start + pages; i++) {
			if (bit(big_mapped, i))
				continue;
			u64 pa = pmm_alloc_uninit();
			if (!pa || !vmm_map_kernel(NET_HEAP_VBASE + i * PAGE_SIZE, pa, PTE_P | PTE_W | PTE_NX)) {
				if (pa)
					pmm_free(pa);
				return NULL;
			}
			set_bits(big_mapped, i, 1, true);
			run_stats.idle_frames++;
		}
		set_bits(big_used, start, pages, true);
		run_stats.idle_frames -= pages;
		return (void *)(NET_HEAP_VBASE + start * PAGE_SIZE);
	}
	return NULL;
}

void *net_mem_malloc(size_t size)
{
	u64 total = size + 8;
	bool big = total > SMALL_MAX;
	u64 cost = big ? ALIGN_UP(total, PAGE_SIZE) : total;
	if (mem_used + cost > mem_cap)
		return NULL;
	u64 *b = big ? big_alloc(cost / PAGE_SIZE) : kmalloc(total);
	if (!b)
		return NULL;
	mem_used += cost;
	b[0] = total;
	return b + 1;
}

void *net_mem_calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	void *p = net_mem_malloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

void net_mem_free(void *p)
{
	if (!p)
		return;
	u64 *b = (u64 *)p - 1, total = b[0];
	if (total > SMALL_MAX) {
		u64 pages = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
		set_bits(big_used, ((u64)b - NET_HEAP_VBASE) / PAGE_SIZE, pages, false);
		run_stats.idle_frames += pages;
		mem_used -= pages * PAGE_SIZE;
	} else {
		kfree(b);
		mem_used -= total;
	}
}

/* "ip=A.B.C.D/PREFIX,GATEWAY" */
static bool parse_ip(const char *s, ip4_addr_t *addr, ip4_addr_t *mask, ip4_addr_t *gw)
{
	u64 v[9];
	const char *seps = "...,...";
	size_t i = 0;
	for (; i < 9; i++) {
		size_t n = 0;
		while (s[n] >= '0' && s[n] <= '9')
			n++;
		if (!n || parse_u64(s, n, 10, &v[i]) != n || v[i] > 255)
			return false;
		s += n;
		if (i == 3) {
			if (*s != '/')
				return false;
		} else if (i == 4) {
			if (*s != ',' || v[4] > 32)
				return false;
		} else if (i < 8 && *s != seps[i < 4 ? i : i - 1]) {
			return false;
		}
		if (i < 8)
			s++;
	}
	if (*s && *s != ' ')
		return false;
	IP4_ADDR(addr, v[0], v[1], v[2], v[3]);
	u32 m = v[4] ? ~0u << (32 - v[4]) : 0;
	ip4_addr_set_u32(mask, lwip_htonl(m));
	IP4_ADDR(gw, v[5], v[6], v[7], v[8]);
	return true;
}

/* The value of the command line's ip= option (up to a space), or NULL. */
static const char *ip_option(const char *cmdline)
{
	for (const char *p = cmdline; p && *p; p++)
		if ((p == cmdline || p[-1] == ' ') && !strncmp(p, "ip=", 3))
			return p + 3;
	return NULL;
}

static const char *boot_cmdline;

void net_configure(const char *cmdline) { boot_cmdline = cmdline; }

bool net_start(void)
{
	if (started)
		return true;
	mem_cap = MAX(pmm_total_bytes() / 8, NET_MEM_MIN);
	lwip_init(); /* also brings up the loopback interface, 127.0.0.1 */
	started = true;
	if (!netdev_present())
		return true;
	ip4_addr_t addr, mask, gw;
	const char *ip = ip_option(boot_cmdline);
	if (!ip || !parse_ip(ip, &addr, &mask, &gw)) {
		if (ip)
			kwarn("net: ip= is not ADDR/PREFIX,GATEWAY: using 10.0.2.15/24,10.0.2.2");
		IP4_ADDR(&addr, 10, 0, 2, 15);
		IP4_ADDR(&mask, 255, 255, 255, 0);
		IP4_ADDR(&gw, 10, 0, 2, 2);
	}
	netif_add(&eth, &addr, &mask, &gw, NULL, eth_setup, ethernet_input);
	netif_set_default(&eth);
	netif_set_up(&eth);
	have_eth = true;
	return true;
}

void net_poll(void)
{
	if (!started)
		return;
	tcp_flush_acks();
	tcp_syn_release();
	/* looped-back packets, until the loopback queue stays empty (answers queue more) */
	for (int round = 0; round < 16 && loopback_pending(); round++)
		netif_poll_all();
	sys_check_timeouts();
}

u64 net_next_deadline(void)
{
	if (!started)
		return 0;
	u32 ms = sys_timeouts_sleeptime();
	return ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? 0 : clock_monotonic_ns() + (u64)ms * 1000000;
}

bool net_device_up(void) { return have_eth; }

/* Whether every connection has sent what the app wrote and had it acknowledged. */
static bool drained(void)
{
	net_poll();
	for (struct tcp_pcb *p = tcp_active_pcbs; p; p = p->next)
		if (p->unsent || p->unacked)
			return false;
	return true;
}

void net_drain(void)
{
	if (!started)
		return;
	sleep_until(clock_monotonic_ns() + NET_EXIT_DRAIN_NS, drained);
	net_stats_log();
}
