/* The virtio-mmio transport: version 2 ("modern", virtio 1.x) and version 1 (legacy), which QEMU
 * gives unless the machine sets virtio-mmio.force-legacy=false. The two differ in feature
 * negotiation (FEATURES_OK) and in how a queue's memory is named (one page frame number with the
 * used ring at QueueAlign, against three 64-bit addresses). */
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "virtio.h"

#define MAGIC 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define DEVICE_FEATURES 0x010
#define DEVICE_FEATURES_SEL 0x014
#define DRIVER_FEATURES 0x020
#define DRIVER_FEATURES_SEL 0x024
#define GUEST_PAGE_SIZE 0x028 /* legacy */
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_ALIGN 0x03c /* legacy */
#define QUEUE_PFN 0x040   /* legacy */
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define INTERRUPT_STATUS 0x060
#define INTERRUPT_ACK 0x064
#define STATUS 0x070
#define QUEUE_DESC 0x080
#define QUEUE_DRIVER 0x090
#define QUEUE_DEVICE 0x0a0
#define CONFIG 0x100

#define MAGIC_VALUE 0x74726976 /* "virt" */

/* Device pages are mapped from here on, one virtual page per device (several devices may share a
 * physical page: QEMU's are 512 bytes apart). Below it: the LAPIC and IOAPIC pages. */
#define VIRTIO_VA (MMIO_BASE + 0x100000)
#define VIRTIO_VA_PAGES 64

static u32 rd(struct virtio_mmio *d, u32 off) { return *(volatile u32 *)(d->regs + off); }
static void wr(struct virtio_mmio *d, u32 off, u32 v) { *(volatile u32 *)(d->regs + off) = v; }

static void wr64(struct virtio_mmio *d, u32 off, u64 v)
{
	wr(d, off, (u32)v);
	wr(d, off + 4, (u32)(v >> 32));
}

static void add_status(struct virtio_mmio *d, u32 bits) { wr(d, STATUS, rd(d, STATUS) | bits); }

bool virtio_mmio_probe(struct virtio_mmio *d, const struct virtio_mmio_entry *e)
{
	static u32 pages_used;
	if (e->size < CONFIG || (e->base & (PAGE_SIZE - 1)) + CONFIG + 0x100 > PAGE_SIZE) {
		kwarn("virtio-mmio device at %lx: unsupported register window of %lu bytes", e->base, e->size);
		return false;
	}
	if (pages_used == VIRTIO_VA_PAGES) {
		kwarn("virtio-mmio device at %lx: too many devices", e->base);
		return false;
	}
	u64 va = VIRTIO_VA + PAGE_SIZE * pages_used++;
	vmm_map_mmio(va, ALIGN_DOWN(e->base, PAGE_SIZE));
	d->regs = (volatile u8 *)(va + (e->base & (PAGE_SIZE - 1)));
	d->pa = e->base;
	d->irq = e->irq;
	if (rd(d, MAGIC) != MAGIC_VALUE)
		return false;
	d->version = rd(d, VERSION);
	d->device_id = rd(d, DEVICE_ID);
	if (d->version != 1 && d->version != 2) {
		kwarn("virtio-mmio device at %lx: unknown version %u", e->base, d->version);
		return false;
	}
	return d->device_id != 0; /* 0: an empty slot */
}

bool virtio_mmio_negotiate(struct virtio_mmio *d, u64 wanted, u64 *got)
{
	wr(d, STATUS, 0); /* reset; reads back 0 once done (QEMU resets synchronously) */
	add_status(d, VIRTIO_ACKNOWLEDGE);
	add_status(d, VIRTIO_DRIVER);
	wr(d, DEVICE_FEATURES_SEL, 0);
	u64 offered = rd(d, DEVICE_FEATURES);
	wr(d, DEVICE_FEATURES_SEL, 1);
	offered |= (u64)rd(d, DEVICE_FEATURES) << 32;
	if (d->version == 1)
		wanted &= ~VIRTIO_F_VERSION_1;
	else
		wanted = (wanted | VIRTIO_F_VERSION_1) & ~VIRTIO_F_ANY_LAYOUT;
	u64 f = offered & wanted;
	if (d->version == 2 && !(f & VIRTIO_F_VERSION_1))
		goto fail; /* a modern device must offer VERSION_1 */
	wr(d, DRIVER_FEATURES_SEL, 0);
	wr(d, DRIVER_FEATURES, (u32)f);
	wr(d, DRIVER_FEATURES_SEL, 1);
	wr(d, DRIVER_FEATURES, (u32)(f >> 32));
	if (d->version == 2) {
		add_status(d, VIRTIO_FEATURES_OK);
		if (!(rd(d, STATUS) & VIRTIO_FEATURES_OK))
			goto fail;
	} else {
		wr(d, GUEST_PAGE_SIZE, PAGE_SIZE);
	}
	*got = f;
	return true;
fail:
	add_status(d, VIRTIO_FAILED);
	return false;
}

bool virtio_mmio_setup_queue(struct virtio_mmio *d, u16 index, struct virtq *q, u16 num)
{
	wr(d, QUEUE_SEL, index);
	if (rd(d, d->version == 1 ? QUEUE_PFN : QUEUE_READY))
		return false; /* already in use: not after a reset */
	u32 max = rd(d, QUEUE_NUM_MAX);
	if (!max)
		return false;
	while (num > max)
		num /= 2;
	if (!num || !virtq_init(q, num))
		return false;
	wr(d, QUEUE_NUM, num);
	if (d->version == 1) {
		wr(d, QUEUE_ALIGN, VIRTQ_ALIGN);
		wr(d, QUEUE_PFN, (u32)(q->pa / PAGE_SIZE));
	} else {
		wr64(d, QUEUE_DESC, q->pa);
		wr64(d, QUEUE_DRIVER, virtq_avail_pa(q));
		wr64(d, QUEUE_DEVICE, virtq_used_pa(q));
		wr(d, QUEUE_READY, 1);
	}
	return true;
}

void virtio_mmio_driver_ok(struct virtio_mmio *d) { add_status(d, VIRTIO_DRIVER_OK); }

void virtio_mmio_notify(struct virtio_mmio *d, u16 index) { wr(d, QUEUE_NOTIFY, index); }

u32 virtio_mmio_ack(struct virtio_mmio *d)
{
	u32 s = rd(d, INTERRUPT_STATUS);
	if (s)
		wr(d, INTERRUPT_ACK, s);
	return s;
}

u8 virtio_mmio_config8(struct virtio_mmio *d, u32 offset) { return d->regs[CONFIG + offset]; }
