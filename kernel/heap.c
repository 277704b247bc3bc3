/* Kernel heap: power-of-two size classes from 16 to 4096 bytes carved out of frames (the largest
 * takes a whole frame); each block starts with an 8-byte header holding its class. Larger
 * requests are refused (none exist). Frames taken stay with the heap; what is in use is counted
 * (run_stats: the kernel's memory in use, for `ukify run --stats`). */
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "run_stats.h"

#define MIN_SHIFT 4
#define MAX_SHIFT 12
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)

struct block {
	struct block *next;
};

static struct block *free_blocks[NCLASSES];

static int class_of(size_t size)
{
	int c = 0;
	while (((size_t)1 << (c + MIN_SHIFT)) < size + 8)
		c++;
	return c;
}

void *kmalloc(size_t size)
{
	int c = class_of(size);
	if (c >= NCLASSES)
		panic("kmalloc(%zu): too large", size);
	if (!free_blocks[c]) {
		u64 pa = pmm_alloc();
		if (!pa)
			return NULL;
		size_t bs = (size_t)1 << (c + MIN_SHIFT);
		run_stats.heap_frames++;
		u8 *page = phys_to_virt(pa);
		for (size_t off = 0; off + bs <= PAGE_SIZE; off += bs) {
			struct block *b = (struct block *)(page + off);
			b->next = free_blocks[c];
			free_blocks[c] = b;
		}
	}
	struct block *b = free_blocks[c];
	free_blocks[c] = b->next;
	*(u64 *)b = (u64)c;
	run_stats.heap_bytes += (u64)1 << (c + MIN_SHIFT);
	return (u8 *)b + 8;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);
	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	if (!p)
		return;
	struct block *b = (struct block *)((u8 *)p - 8);
	int c = (int)*(u64 *)b;
	run_stats.heap_bytes -= (u64)1 << (c + MIN_SHIFT);
	b->next = free_blocks[c];
	free_blocks[c] = b;
}
