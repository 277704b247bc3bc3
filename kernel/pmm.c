/* Physical frame allocator: a bump pointer through the RAM regions of the PVH memory map, plus a
 * free list of returned frames (linked through the direct map). Frames are zeroed when handed out
 * (unless the caller fills them itself), so boot does no bulk zeroing. Frames mapped in user
 * space carry a reference count (copy-on-write after fork shares them): frame_get/frame_put.
 * The app's pages and the ramfs's file data come from pmm_alloc_user, which leaves a reserve
 * untouched (a 32nd of the RAM, 1 to 8 MiB): with the app's memory or the files at their limit,
 * the kernel still has frames for its own work (page tables, buffers of syscalls, the exit of a
 * process killed for want of memory and its report). File data written to the ramfs comes from
 * pmm_alloc_file, which also leaves the program a share (a 16th of the RAM, 2 to 32 MiB), so that
 * a full /tmp fails its writes with ENOSPC while the program can still run (tmpfs has a size for
 * this). */
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
static u64 reserve_frames; /* left to the kernel: pmm_alloc_user does not take them */

static u64 program_frames; /* left to the program's pages: pmm_alloc_file does not take them */

#define RESERVE_MIN 256UL  /* frames: 1 MiB */
#define RESERVE_MAX 2048UL /* 8 MiB */
#define PROGRAM_MIN 512UL  /* 2 MiB */
#define PROGRAM_MAX 8192UL /* 32 MiB */

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
	if (!total_bytes) {
		total_bytes = pmm_free_bytes();
		reserve_frames = MIN(MAX(total_bytes / PAGE_SIZE / 32, RESERVE_MIN), RESERVE_MAX);
		program_frames = MIN(MAX(total_bytes / PAGE_SIZE / 16, PROGRAM_MIN), PROGRAM_MAX);
	}
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
	run_stats.frames++; /* not inside MAX, which evaluates its arguments twice */
	run_stats.peak_frames = MAX(run_stats.peak_frames, run_stats.frames);
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

u64 pmm_user_free_bytes(void)
{
	u64 free = pmm_free_bytes(), reserve = reserve_frames * PAGE_SIZE;
	return free > reserve ? free - reserve : 0;
}

u64 pmm_user_total_bytes(void)
{
	u64 reserve = reserve_frames * PAGE_SIZE;
	return total_bytes > reserve ? total_bytes - reserve : 0;
}

u64 pmm_file_free_bytes(void)
{
	u64 free = pmm_user_free_bytes(), keep = program_frames * PAGE_SIZE;
	return free > keep ? free - keep : 0;
}

u64 pmm_file_total_bytes(void)
{
	u64 total = pmm_user_total_bytes(), keep = program_frames * PAGE_SIZE;
	return total > keep ? total - keep : 0;
}

u64 pmm_alloc_file(void) { return pmm_file_free_bytes() ? pmm_alloc() : 0; }

u64 pmm_alloc_user_uninit(void) { return pmm_user_free_bytes() ? pmm_alloc_uninit() : 0; }

u64 pmm_alloc_user(void) { return pmm_user_free_bytes() ? pmm_alloc() : 0; }

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
