/* Split virtqueues (virtio 1.x section 2.7; the legacy layout is the same with the used ring at
 * QueueAlign). One zeroed frame per queue holds all three parts; buffers are single descriptors
 * whose ids the driver manages. x86 keeps stores in order and loads in order, so compiler barriers
 * suffice between the ring entries and the indexes; a store-to-load fence is needed only before
 * reading the device's "no notify" flag. */
#include "mm.h"
#include "virtio.h"

#define barrier() __asm__ volatile("" ::: "memory")

static u64 avail_off(u16 num) { return sizeof(struct virtq_desc) * num; }
static u64 used_off(u16 num) { return ALIGN_UP(avail_off(num) + 4 + 2UL * num + 2, VIRTQ_ALIGN); }

_Static_assert(sizeof(struct virtq_desc) * VIRTQ_MAX + 4 + 2 * VIRTQ_MAX + 2 + VIRTQ_ALIGN + 4 +
		       sizeof(struct virtq_used_elem) * VIRTQ_MAX + 2 <= PAGE_SIZE,
	       "a virtqueue must fit in one frame");

bool virtq_init(struct virtq *q, u16 num)
{
	if (!num || num > VIRTQ_MAX || (num & (num - 1)))
		return false;
	u64 pa = pmm_alloc();
	if (!pa)
		return false;
	u8 *base = phys_to_virt(pa);
	*q = (struct virtq){
		.num = num,
		.pa = pa,
		.desc = (struct virtq_desc *)base,
		.avail = (struct virtq_avail *)(base + avail_off(num)),
		.used = (volatile struct virtq_used *)(base + used_off(num)),
	};
	return true;
}

u64 virtq_avail_pa(const struct virtq *q) { return q->pa + avail_off(q->num); }
u64 virtq_used_pa(const struct virtq *q) { return q->pa + used_off(q->num); }

void virtq_set_desc(struct virtq *q, u16 id, u64 pa, u32 len, bool device_writes)
{
	q->desc[id] = (struct virtq_desc){ pa, len, device_writes ? VIRTQ_DESC_F_WRITE : 0, 0 };
}

void virtq_push(struct virtq *q, u16 id) { q->avail->ring[q->avail_idx++ & (q->num - 1)] = id; }

bool virtq_publish(struct virtq *q)
{
	barrier(); /* descriptors and ring entries before the index */
	*(volatile u16 *)&q->avail->idx = q->avail_idx;
	__asm__ volatile("mfence" ::: "memory"); /* the index before reading the device's flag */
	return !(q->used->flags & VIRTQ_USED_F_NO_NOTIFY);
}

bool virtq_pop_used(struct virtq *q, u16 *id, u32 *len)
{
	if (q->used->idx == q->last_used)
		return false;
	barrier(); /* the index before the entry it covers */
	volatile struct virtq_used_elem *e = &q->used->ring[q->last_used++ & (q->num - 1)];
	*id = (u16)e->id;
	*len = e->len;
	return true;
}
