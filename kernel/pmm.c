/* Physical frame allocator: a bump pointer through the RAM regions of the PVH memory map, plus a
 * free list of returned frames (linked through the direct map). Frames are zeroed when handed out
 * (unless the caller fills them itself), so boot does no bulk zeroing. Frames mapped in user
 * space carry a reference count (copy-on-write after fork shares them): frame_get/frame_put. */
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "run_stats.h"

#define MAX_REGIONS 32

struct region {
	u64 start, end;
};

static struct region regions[MAX_REGIONS];
static int nregions;
static int cur;         /* region the bump pointer is in */
static u64 free_list;   /* physical address of the first free frame, 0 if none */
static u64 free_count;  /* frames on the free list */
static u64 total_bytes; /* usable RAM: what was free at the first allocation */
static u64 ram_bytes;   /* all the RAM in the memory map: QEMU's -m */
static u16 *refs;       /* per frame, from physical 0: mappings of a user frame */
static u64 nframes;

void pmm_add_region(u64 start, u64 end)
{
	start = ALIGN_UP(start, PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (start < 0x100000)
		start = 0x100000; /* leave low memory (start info, BIOS data) alone */
	if (end <= start || nregions == MAX_REGIONS)
		return;
	int i = nregions++;
	while (i > 0 && regions[i - 1].start > start) {
		regions[i] = regions[i - 1];
		i--;
	}
	regions[i] = (struct region){ start, end };
}

void pmm_set_ram_size(u64 bytes) { ram_bytes = bytes; }

/* The memory map leaves out the legacy hole below 1 MiB: rounded up, the sum is what -m said. */
u64 pmm_ram_mib(void) { return (ram_bytes + (1UL << 20) - 1) >> 20; }

/* Cuts [start,end) out of the regions (called before the first allocation). */
void pmm_reserve(u64 start, u64 end)
{
	start = ALIGN_DOWN(start, PAGE_SIZE);
	end = ALIGN_UP(end, PAGE_SIZE);
	for (int i = 0; i < nregions; i++) {
		struct region *r = &regions[i];
		if (end <= r->start || start >= r->end)
			continue;
		if (start > r->start && end < r->end) {
			u64 old_end = r->end;
			r->end = start;
			pmm_add_region(end, old_end);
		} else if (start <= r->start) {
			r->start = MIN(end, r->end);
		} else {
			r->end = start;
		}
	}
}

u64 pmm_alloc_uninit(void)
{
	u64 pa = 0;
	if (!total_bytes)
		total_bytes = pmm_free_bytes();
	if (free_list) {
		pa = free_list;
		free_list = *(u64 *)phys_to_virt(pa);
		free_count--;
	} else {
		while (cur < nregions && regions[cur].start >= regions[cur].end)
			cur++;
		if (cur == nregions)
			return 0;
		pa = regions[cur].start;
		regions[cur].start += PAGE_SIZE;
	}
	refs[pa / PAGE_SIZE] = 1;
	run_stats.peak_frames = MAX(run_stats.peak_frames, ++run_stats.frames);
	return pa;
}

void pmm_init_refs(u64 ram_top)
{
	nframes = ram_top / PAGE_SIZE;
	u64 pages = ALIGN_UP(nframes * sizeof(*refs), PAGE_SIZE) / PAGE_SIZE;
	/* contiguous: taken from the start of the first region large enough, before anything else */
	for (int i = 0; i < nregions; i++) {
		if (regions[i].end - regions[i].start >= pages * PAGE_SIZE) {
			refs = phys_to_virt(regions[i].start);
			memset(refs, 0, pages * PAGE_SIZE);
			regions[i].start += pages * PAGE_SIZE;
			return;
		}
	}
	panic("no room for the frame reference counts");
}

u64 pmm_alloc(void)
{
	u64 pa = pmm_alloc_uninit();
	if (pa)
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
	return pa;
}

void frame_get(u64 pa)
{
	u16 *r = &refs[pa / PAGE_SIZE];
	if (*r == 0xffff)
		panic("frame %lx mapped too many times", pa);
	(*r)++;
}

void frame_put(u64 pa)
{
	if (--refs[pa / PAGE_SIZE] == 0)
		pmm_free(pa);
}

u32 frame_refs(u64 pa) { return refs[pa / PAGE_SIZE]; }

void pmm_free(u64 pa)
{
	refs[pa / PAGE_SIZE] = 0;
	run_stats.frames--;
	*(u64 *)phys_to_virt(pa) = free_list;
	free_list = pa;
	free_count++;
}

u64 pmm_free_bytes(void)
{
	u64 n = free_count * PAGE_SIZE;
	for (int i = cur; i < nregions; i++)
		n += regions[i].end - regions[i].start;
	return n;
}

u64 pmm_total_bytes(void) { return total_bytes; }
