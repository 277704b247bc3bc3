/* virtio over virtio-mmio (virtio 1.x, and the legacy version 1 registers QEMU gives by default):
 * the transport (virtio/virtio_mmio.c), split virtqueues (virtio/virtqueue.c) and the network
 * device (virtio/virtio_net.c, which implements netdev.h). */
#pragma once
#include "cmdline.h"
#include "types.h"

#define NET_VECTOR 0x25 /* the virtio-net device's interrupt (routed through the IOAPIC) */

/* The interrupt handler for NET_VECTOR: acknowledges the device, then netdev_poll(). */
void virtio_net_irq(void);

/* Status bits */
#define VIRTIO_ACKNOWLEDGE 1
#define VIRTIO_DRIVER 2
#define VIRTIO_DRIVER_OK 4
#define VIRTIO_FEATURES_OK 8
#define VIRTIO_FAILED 128

#define VIRTIO_F_ANY_LAYOUT (1UL << 27) /* legacy only: header and data may share a descriptor */
#define VIRTIO_F_VERSION_1 (1UL << 32)

#define VIRTIO_ID_NET 1

/* Split virtqueue in one zeroed 4 KiB frame: descriptors, then the available ring, then the used ring
 * (aligned to VIRTQ_ALIGN, which the legacy transport is told through QueueAlign). Every buffer is one
 * descriptor: no chains, no indirect descriptors. */
#define VIRTQ_MAX 128
#define VIRTQ_ALIGN 64
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

struct virtq_desc {
	u64 addr;
	u32 len;
	u16 flags, next;
};
struct virtq_avail {
	u16 flags, idx;
	u16 ring[];
};
struct virtq_used_elem {
	u32 id, len;
};
struct virtq_used {
	u16 flags, idx;
	struct virtq_used_elem ring[];
};

struct virtq {
	u16 num;       /* entries (a power of two) */
	u16 last_used; /* the next used-ring index to read */
	u16 avail_idx; /* our copy of avail->idx */
	u64 pa;        /* the frame: descriptors at 0 */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	volatile struct virtq_used *used;
};

/* num is a power of two, at most VIRTQ_MAX. False when out of memory. */
bool virtq_init(struct virtq *q, u16 num);
u64 virtq_avail_pa(const struct virtq *q);
u64 virtq_used_pa(const struct virtq *q);
/* Descriptor id now describes [pa, pa+len) (writable by the device when device_writes). */
void virtq_set_desc(struct virtq *q, u16 id, u64 pa, u32 len, bool device_writes);
/* Offers descriptor id to the device (visible to it at the next virtq_publish). */
void virtq_push(struct virtq *q, u16 id);
/* Makes pushed descriptors visible; true when the device wants a notification. */
bool virtq_publish(struct virtq *q);
/* The next buffer the device has finished with: its descriptor id and the bytes it wrote. */
bool virtq_pop_used(struct virtq *q, u16 *id, u32 *len);

/* One virtio-mmio device. */
struct virtio_mmio {
	volatile u8 *regs;
	u64 pa; /* of the registers */
	u32 version; /* 1 legacy, 2 modern */
	u32 device_id;
	u32 irq;
};

/* Maps the registers and checks magic and version; false when there is no virtio device there. */
bool virtio_mmio_probe(struct virtio_mmio *d, const struct virtio_mmio_entry *e);
/* Reset, ACKNOWLEDGE | DRIVER, then features: the offered ones of `wanted` (VERSION_1 is required
 * of a modern device and never taken from a legacy one). Returns false (and sets FAILED) when the
 * device refuses; *got receives the negotiated set. */
bool virtio_mmio_negotiate(struct virtio_mmio *d, u64 wanted, u64 *got);
/* Sets up queue `index` with up to `num` entries; false when the device has no such queue. */
bool virtio_mmio_setup_queue(struct virtio_mmio *d, u16 index, struct virtq *q, u16 num);
void virtio_mmio_driver_ok(struct virtio_mmio *d);
void virtio_mmio_notify(struct virtio_mmio *d, u16 index);
/* Reads and acknowledges the interrupt status (bit 0: used buffers, bit 1: configuration). */
u32 virtio_mmio_ack(struct virtio_mmio *d);
u8 virtio_mmio_config8(struct virtio_mmio *d, u32 offset);
