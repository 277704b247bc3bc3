/* virtio-9p devices (9p.h): one request queue each. A request is a descriptor chain: the message
 * (one frame), its payload frames when it writes data, then the frame the reply lands in and the
 * payload frames a read fills. A few requests per device are in flight at once (their tags are
 * their slot numbers); a thread sleeps until the device's interrupt says its reply has come. */
#include "9p.h"
#include "clock.h"
#include "cmdline.h"
#include "errno.h"
#include "ioapic.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "sched.h"
#include "virtio.h"

#define VIRTIO_ID_9P 9
#define VIRTIO_9P_MOUNT_TAG 1
#define IOAPIC_PINS 24
#define MAX_ENTRIES 16
#define SLOTS 8
#define DESC_F_NEXT 1
#define TAG_MAX 255
#define CHECK_NS 20000000UL /* a sleeper looks at the ring itself this often (a lost interrupt) */

struct slot {
	struct p9_req r;
	bool busy, sent, done, posted;
	u16 head, ndesc;
	struct waitq wq;
};

struct p9_dev {
	struct virtio_mmio mmio;
	struct virtq q;
	u16 free_desc[VIRTQ_MAX], nfree;
	struct slot slots[SLOTS];
	struct waitq slot_wait; /* threads waiting for a slot or for descriptors */
	char tag[TAG_MAX + 1];
};

static struct p9_dev *devs[P9_MAX_DEVICES];
static int ndevs;

struct p9_dev *p9_dev_at(int i) { return i >= 0 && i < ndevs ? devs[i] : NULL; }
const char *p9_dev_tag(struct p9_dev *d) { return d->tag; }

/* Takes the replies the device has finished: their descriptors go back to the free list. */
static void reap(struct p9_dev *d)
{
	u16 id;
	u32 len;
	bool freed = false;
	while (virtq_pop_used(&d->q, &id, &len)) {
		for (int i = 0; i < SLOTS; i++) {
			struct slot *s = &d->slots[i];
			if (!s->sent || s->head != id)
				continue;
			for (u16 k = 0, at = id; k < s->ndesc; k++) {
				d->free_desc[d->nfree++] = at;
				at = d->q.desc[at].next;
			}
			s->sent = false;
			s->done = true;
			s->r.reply_len = len;
			freed = true;
			if (s->posted) {
				s->posted = false;
				if (s->r.free_fid != P9_NOFID)
					p9_fid_free(s->r.free_fid);
				p9_put(&s->r);
			} else {
				waitq_wake_all(&s->wq);
			}
			break;
		}
	}
	if (freed)
		waitq_wake_all(&d->slot_wait);
}

void virtio_9p_irq(void)
{
	for (int i = 0; i < ndevs; i++) {
		virtio_mmio_ack(&devs[i]->mmio); /* first: a buffer used after this raises the line again */
		reap(devs[i]);
	}
}

struct p9_req *p9_get(struct p9_dev *d)
{
	for (;;) {
		for (int i = 0; i < SLOTS; i++) {
			struct slot *s = &d->slots[i];
			if (!s->busy) {
				s->busy = true;
				s->done = false;
				s->r.req_len = s->r.resp_len = s->r.data_len = s->r.reply_len = 0;
				s->r.free_fid = P9_NOFID;
				s->r.data_in = false;
				return &s->r;
			}
		}
		sched_block(&d->slot_wait, clock_monotonic_ns() + CHECK_NS, false);
		reap(d);
	}
}

static struct slot *slot_of(struct p9_req *r) { return (struct slot *)r; }

void p9_put(struct p9_req *r)
{
	slot_of(r)->busy = false;
	waitq_wake_all(&r->dev->slot_wait);
}

bool p9_data_frames(struct p9_req *r, u32 n)
{
	for (u32 i = 0; i * PAGE_SIZE < n; i++) {
		if (!r->data[i]) {
			u64 pa = pmm_alloc_uninit();
			if (!pa)
				return false;
			r->data[i] = phys_to_virt(pa);
		}
	}
	return true;
}

static u16 take_desc(struct p9_dev *d, u16 next, u64 pa, u32 len, bool device_writes, bool chained)
{
	u16 id = d->free_desc[--d->nfree];
	d->q.desc[id] = (struct virtq_desc){ pa, len, (u16)((device_writes ? VIRTQ_DESC_F_WRITE : 0) | (chained ? DESC_F_NEXT : 0)),
					     chained ? next : 0 };
	return id;
}

/* Builds r's chain back to front and offers it; false when out of memory for payload frames. */
static bool send(struct p9_req *r)
{
	struct p9_dev *d = r->dev;
	struct slot *s = slot_of(r);
	u32 pages = (u32)ALIGN_UP(r->data_len, PAGE_SIZE) / PAGE_SIZE;
	if (r->data_len && !p9_data_frames(r, r->data_len))
		return false;
	u16 need = (u16)(2 + pages);
	while (d->nfree < need) {
		sched_block(&d->slot_wait, clock_monotonic_ns() + CHECK_NS, false);
		reap(d);
	}
	/* the message's little-endian size first: a payload sent after it counts */
	u32 size = r->req_len + (r->data_in ? 0 : r->data_len);
	r->req[0] = (u8)size, r->req[1] = (u8)(size >> 8), r->req[2] = (u8)(size >> 16), r->req[3] = (u8)(size >> 24);
	u16 next = 0;
	bool chained = false;
	if (r->data_in) {
		for (u32 i = pages; i-- > 0;) {
			u32 len = (u32)MIN(PAGE_SIZE, r->data_len - i * PAGE_SIZE);
			next = take_desc(d, next, virt_to_phys(r->data[i]), len, true, chained);
			chained = true;
		}
	}
	next = take_desc(d, next, virt_to_phys(r->resp), r->resp_len ? r->resp_len : (u32)PAGE_SIZE, true, chained);
	if (!r->data_in) {
		for (u32 i = pages; i-- > 0;) {
			u32 len = (u32)MIN(PAGE_SIZE, r->data_len - i * PAGE_SIZE);
			next = take_desc(d, next, virt_to_phys(r->data[i]), len, false, true);
		}
	}
	next = take_desc(d, next, virt_to_phys(r->req), r->req_len, false, true);
	s->head = next;
	s->ndesc = need;
	s->sent = true;
	s->done = false;
	virtq_push(&d->q, next);
	if (virtq_publish(&d->q))
		virtio_mmio_notify(&d->mmio, 0);
	return true;
}

long p9_rpc(struct p9_req *r)
{
	struct slot *s = slot_of(r);
	if (!send(r))
		return -ENOMEM;
	while (!s->done) {
		sched_block(&s->wq, clock_monotonic_ns() + CHECK_NS, false);
		reap(r->dev);
	}
	return 0;
}

void p9_post(struct p9_req *r)
{
	slot_of(r)->posted = true;
	if (!send(r)) { /* out of memory: the fid stays taken, never used again */
		slot_of(r)->posted = false;
		p9_put(r);
	}
}

static bool start(struct p9_dev *d)
{
	u64 features;
	if (d->mmio.irq >= IOAPIC_PINS) {
		kwarn("volume: virtio-9p IRQ %u is beyond the IOAPIC's %d pins; device not used", d->mmio.irq, IOAPIC_PINS);
		return false;
	}
	if (!virtio_mmio_negotiate(&d->mmio, VIRTIO_9P_MOUNT_TAG | VIRTIO_F_VERSION_1, &features) ||
	    !(features & VIRTIO_9P_MOUNT_TAG)) {
		kwarn("volume: a virtio-9p device refused the features");
		return false;
	}
	u32 len = virtio_mmio_config8(&d->mmio, 0) | (u32)virtio_mmio_config8(&d->mmio, 1) << 8;
	len = MIN(len, (u32)TAG_MAX);
	for (u32 i = 0; i < len; i++)
		d->tag[i] = (char)virtio_mmio_config8(&d->mmio, 2 + i);
	d->tag[len] = 0;
	if (!virtio_mmio_setup_queue(&d->mmio, 0, &d->q, VIRTQ_MAX)) {
		kwarn("volume: the virtio-9p queue could not be set up");
		return false;
	}
	for (u16 i = 0; i < d->q.num; i++)
		d->free_desc[d->nfree++] = i;
	for (int i = 0; i < SLOTS; i++) {
		u64 a = pmm_alloc(), b = pmm_alloc();
		if (!a || !b)
			return false;
		d->slots[i].r.dev = d;
		d->slots[i].r.req = phys_to_virt(a);
		d->slots[i].r.resp = phys_to_virt(b);
		d->slots[i].r.tag = (u16)i;
	}
	ioapic_route(d->mmio.irq, P9_VECTOR);
	virtio_mmio_driver_ok(&d->mmio);
	return true;
}

int virtio_9p_init(const char *cmdline)
{
	if (!cmdline_mentions_virtio_mmio(cmdline))
		return 0;
	struct virtio_mmio_entry e[MAX_ENTRIES];
	int n = cmdline_virtio_mmio(cmdline, e, MAX_ENTRIES);
	for (int i = 0; i < n && ndevs < P9_MAX_DEVICES; i++) {
		struct virtio_mmio m;
		if (!virtio_mmio_probe(&m, &e[i]) || m.device_id != VIRTIO_ID_9P)
			continue;
		_Static_assert(sizeof(struct p9_dev) <= PAGE_SIZE, "a device fits in a frame");
		u64 pa = pmm_alloc();
		if (!pa)
			break;
		struct p9_dev *d = phys_to_virt(pa);
		d->mmio = m;
		if (start(d))
			devs[ndevs++] = d;
	}
	return ndevs;
}
