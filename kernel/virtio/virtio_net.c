/* The virtio-net device (netdev.h): one receive and one transmit queue, no offloads, no mergeable
 * buffers. Every buffer is one descriptor holding the virtio_net_hdr and a whole frame: receive
 * descriptor i owns receive buffer i for good; transmit descriptor i owns transmit buffer i and is
 * free again once the device has used it. Transmit completions raise no interrupt (the avail ring
 * asks for none): they are reclaimed when sending and polling. When every transmit buffer is in
 * flight (QEMU sends them from its own thread, which a busy host can hold back for milliseconds),
 * frames wait in a backlog, in order, and the device is asked for an interrupt when it frees a
 * buffer: a frame dropped here would cost its TCP connection a retransmission timeout (lwIP's
 * slow timer: 500 ms at least). Only a full backlog drops. */
#include "clock.h"
#include "cmdline.h"
#include "ioapic.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "netdev.h"
#include "net_stats.h"
#include "virtio.h"

#define VIRTIO_NET_F_MAC (1UL << 5)
#define RXQ 0
#define TXQ 1
#define BUF_SIZE 2048 /* two buffers a frame; holds a header and NETDEV_FRAME_MAX */
#define BACKLOG 512 /* frames waiting for a TX buffer (Linux's txqueuelen is 1000) */
#define IOAPIC_PINS 24
#define MAX_DEVICES 16

static struct virtio_mmio dev;
static struct virtq rxq, txq;
static u8 *rx_buf[VIRTQ_MAX], *tx_buf[VIRTQ_MAX];
static u16 tx_free[VIRTQ_MAX], ntx_free;
static u8 *backlog_buf[BACKLOG]; /* made when first needed, two a frame */
static u16 backlog_len[BACKLOG];
static u32 backlog_head, backlog_count;
static u32 hdr_len; /* 12 with VERSION_1 (num_buffers present), 10 for a legacy device */
static u8 mac[6];
static bool present;
static bool started; /* netdev_init has returned: frames go to net_input */

/* net_selftest (IMAGE.md): an ARP request to slirp's gateway at boot, its reply awaited here. */
static bool selftest_waiting, selftest_done;
static u8 selftest_mac[6];
static const u8 own_ip[4] = { 10, 0, 2, 15 }, gateway_ip[4] = { 10, 0, 2, 2 };

/* Until the TCP/IP glue (net/) defines it: frames are counted and dropped. */
static u64 frames_dropped;
__attribute__((weak)) void net_input(const void *frame, size_t len)
{
	(void)frame, (void)len;
	frames_dropped++;
}

/* Two buffers of BUF_SIZE from each frame. */
static bool alloc_buffers(u8 **bufs, u16 n)
{
	for (u16 i = 0; i < n; i += 2) {
		u64 pa = pmm_alloc_uninit();
		if (!pa)
			return false;
		bufs[i] = phys_to_virt(pa);
		if (i + 1 < n)
			bufs[i + 1] = bufs[i] + BUF_SIZE;
	}
	return true;
}

/* Frame into a free TX buffer, offered to the device (seen at the next virtq_publish). */
static void ring_put(const void *frame, size_t len)
{
	u16 id = tx_free[--ntx_free];
	memset(tx_buf[id], 0, hdr_len); /* no checksum offload, no segmentation */
	memcpy(tx_buf[id] + hdr_len, frame, len);
	virtq_set_desc(&txq, id, virt_to_phys(tx_buf[id]), (u32)(hdr_len + len), false);
	virtq_push(&txq, id);
}

/* Takes back the TX buffers the device is done with and gives them the backlog's frames. While
 * frames still wait, the device interrupts when it uses a buffer; the used ring is looked at once
 * more after asking, for a buffer freed just before. */
static void reclaim_tx(void)
{
	u16 id;
	u32 len;
	bool pushed = false;
	for (;;) {
		while (virtq_pop_used(&txq, &id, &len))
			if (id < txq.num)
				tx_free[ntx_free++] = id;
		for (; backlog_count && ntx_free; backlog_count--, backlog_head = (backlog_head + 1) % BACKLOG) {
			ring_put(backlog_buf[backlog_head], backlog_len[backlog_head]);
			pushed = true;
		}
		u16 flags = backlog_count ? 0 : VIRTQ_AVAIL_F_NO_INTERRUPT;
		if (txq.avail->flags == flags)
			break;
		txq.avail->flags = flags;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
	if (pushed && virtq_publish(&txq))
		virtio_mmio_notify(&dev, TXQ);
}

/* Queues a copy of the frame behind the others waiting; false when the backlog is full. */
static bool backlog_add(const void *frame, size_t len)
{
	if (backlog_count == BACKLOG)
		return false;
	u32 slot = (backlog_head + backlog_count) % BACKLOG;
	if (!backlog_buf[slot] && !alloc_buffers(&backlog_buf[slot & ~1U], 2))
		return false;
	memcpy(backlog_buf[slot], frame, len);
	backlog_len[slot] = (u16)len;
	backlog_count++;
	net_stats.tx_backlogged++;
	return true;
}

static void selftest_check(const u8 *f, size_t len)
{
	/* Ethernet + ARP for IPv4 over Ethernet: a reply (2) from the gateway to our address */
	static const u8 arp_reply[8] = { 0, 1, 8, 0, 6, 4, 0, 2 };
	if (len < 42 || f[12] != 0x08 || f[13] != 0x06 || memcmp(f + 14, arp_reply, 8) ||
	    memcmp(f + 28, gateway_ip, 4) || memcmp(f + 38, own_ip, 4))
		return;
	memcpy(selftest_mac, f + 22, 6);
	selftest_waiting = false;
	selftest_done = true;
}

void netdev_poll(void)
{
	if (!present)
		return;
	u16 id;
	u32 len;
	bool reposted = false;
	u16 used = 0;
	while (virtq_pop_used(&rxq, &id, &len)) {
		used++;
		if (id >= rxq.num)
			continue;
		if (len > hdr_len && len <= hdr_len + NETDEV_FRAME_MAX) {
			const u8 *frame = rx_buf[id] + hdr_len;
			if (selftest_waiting)
				selftest_check(frame, len - hdr_len);
			if (started) {
				net_stats.rx_frames++;
				net_input(frame, len - hdr_len);
			}
		}
		virtq_push(&rxq, id);
		reposted = true;
	}
	if (used >= rxq.num)
		net_stats.rx_ring_drained++;
	if (reposted && virtq_publish(&rxq))
		virtio_mmio_notify(&dev, RXQ);
	reclaim_tx();
}

void virtio_net_irq(void)
{
	if (!present)
		return;
	/* acknowledge first: a buffer used after this raises the line again (the IOAPIC pin is edge) */
	virtio_mmio_ack(&dev);
	netdev_poll();
}

bool netdev_send(const void *frame, size_t len)
{
	if (!present || len > NETDEV_FRAME_MAX)
		return false;
	if (!ntx_free || backlog_count)
		reclaim_tx();
	if (backlog_count || !ntx_free) {
		if (!backlog_add(frame, len)) {
			net_stats.tx_dropped++;
			return false;
		}
		reclaim_tx(); /* asks for the interrupt that will send it */
		return true;
	}
	ring_put(frame, len);
	if (virtq_publish(&txq))
		virtio_mmio_notify(&dev, TXQ);
	return true;
}

void netdev_mac(u8 out[6]) { memcpy(out, mac, 6); }

bool netdev_present(void) { return present; }

static bool selftest_replied(void) { return selftest_done; }

static void selftest(void)
{
	u8 f[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	memcpy(f + 6, mac, 6);
	static const u8 arp_request[10] = { 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1 };
	memcpy(f + 12, arp_request, sizeof(arp_request));
	memcpy(f + 22, mac, 6);
	memcpy(f + 28, own_ip, 4);
	memcpy(f + 38, gateway_ip, 4); /* target hardware address: zero */
	selftest_waiting = true;
	if (!netdev_send(f, sizeof(f))) {
		klog(LOG_NORMAL, "net: selftest: the ARP request could not be queued");
		return;
	}
	/* the reply comes through the device's interrupt (the CPU halts in between) */
	sleep_until(clock_monotonic_ns() + 1000000000UL, selftest_replied);
	selftest_waiting = false;
	if (selftest_done)
		klog(LOG_NORMAL, "net: selftest: ARP reply from %02x:%02x:%02x:%02x:%02x:%02x", selftest_mac[0],
		     selftest_mac[1], selftest_mac[2], selftest_mac[3], selftest_mac[4], selftest_mac[5]);
	else
		klog(LOG_NORMAL, "net: selftest: no ARP reply from 10.0.2.2 within 1 s");
}

static bool start(struct virtio_mmio *d)
{
	u64 features;
	if (d->irq >= IOAPIC_PINS) {
		kwarn("net: virtio-net IRQ %u is beyond the IOAPIC's %d pins; device not used", d->irq, IOAPIC_PINS);
		return false;
	}
	if (!virtio_mmio_negotiate(d, VIRTIO_NET_F_MAC | VIRTIO_F_VERSION_1 | VIRTIO_F_ANY_LAYOUT, &features)) {
		kwarn("net: the virtio-net device refused the features");
		return false;
	}
	hdr_len = features & VIRTIO_F_VERSION_1 ? 12 : 10;
	if (!virtio_mmio_setup_queue(d, RXQ, &rxq, VIRTQ_MAX) || !virtio_mmio_setup_queue(d, TXQ, &txq, VIRTQ_MAX) ||
	    !alloc_buffers(rx_buf, rxq.num) || !alloc_buffers(tx_buf, txq.num)) {
		kwarn("net: the virtio-net queues could not be set up");
		return false;
	}
	if (features & VIRTIO_NET_F_MAC) {
		for (u32 i = 0; i < 6; i++)
			mac[i] = virtio_mmio_config8(d, i);
	} else { /* a random locally administered address */
		u64 r = entropy_u64();
		memcpy(mac, &r, 6);
		mac[0] = (u8)((mac[0] & 0xfe) | 0x02);
	}
	for (u16 i = 0; i < rxq.num; i++) {
		virtq_set_desc(&rxq, i, virt_to_phys(rx_buf[i]), BUF_SIZE, true);
		virtq_push(&rxq, i);
	}
	for (u16 i = 0; i < txq.num; i++)
		tx_free[ntx_free++] = i;
	txq.avail->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	ioapic_route(d->irq, NET_VECTOR);
	virtio_mmio_driver_ok(d);
	if (virtq_publish(&rxq))
		virtio_mmio_notify(d, RXQ);
	return true;
}

bool netdev_init(const char *cmdline)
{
	if (!cmdline_mentions_virtio_mmio(cmdline))
		return false; /* no device: the usual case, kept off the boot path */
	struct virtio_mmio_entry e[MAX_DEVICES];
	int n = cmdline_virtio_mmio(cmdline, e, MAX_DEVICES);
	for (int i = 0; i < n && !present; i++) {
		struct virtio_mmio d;
		if (!virtio_mmio_probe(&d, &e[i]) || d.device_id != VIRTIO_ID_NET)
			continue;
		dev = d;
		present = start(&dev);
	}
	if (!present)
		return false;
	kinfo("net: virtio-mmio version %u at %lx, IRQ %u, %u-byte header, queues of %u", dev.version,
	      dev.pa, dev.irq, hdr_len, rxq.num);
	kinfo("net: virtio-net MAC %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	if (cmdline_has_flag(cmdline, "net_selftest"))
		selftest();
	started = true;
	return true;
}
