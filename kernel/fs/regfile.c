/* Data of regular files, page by page: a two-level table of frames. Files unpacked from the initrd
 * keep reading the initrd in place; a page gets a frame of its own (a copy) only when it is
 * written or mapped. Pages made by writes come from the files' share of memory (pmm_alloc_file):
 * once it is gone, writes fail with ENOSPC as on a full tmpfs, and the program still has memory
 * to run; pages made for a mapping (the program's own code, a shared mapping it touches) come
 * from the program's (pmm_alloc_user). */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "vfs.h"

#define PER_FRAME 512
#define MAX_PAGES ((u64)PER_FRAME * PER_FRAME)
#define MAX_FILE_SIZE (MAX_PAGES * PAGE_SIZE)

static u64 alloc_frame(bool for_write) { return for_write ? pmm_alloc_file() : pmm_alloc_user(); }

/* The slot holding page idx's frame, or NULL (not made when create is false). */
static u64 *slot(struct inode *ino, u64 idx, bool create, bool for_write)
{
	if (idx >= MAX_PAGES)
		return NULL;
	if (!ino->reg.map) {
		u64 pa = create ? alloc_frame(for_write) : 0;
		if (!pa)
			return NULL;
		ino->reg.map = phys_to_virt(pa);
	}
	u64 *leaf = &ino->reg.map[idx / PER_FRAME];
	if (!*leaf) {
		u64 pa = create ? alloc_frame(for_write) : 0;
		if (!pa)
			return NULL;
		*leaf = pa;
	}
	return (u64 *)phys_to_virt(*leaf) + idx % PER_FRAME;
}

static u64 frame_of(struct inode *ino, u64 idx)
{
	u64 *s = slot(ino, idx, false, false);
	return s ? *s : 0;
}

void reg_copy_page(struct inode *ino, u64 idx, u8 *dst)
{
	u64 pa = frame_of(ino, idx);
	u64 off = idx * PAGE_SIZE;
	if (pa) {
		memcpy(dst, phys_to_virt(pa), PAGE_SIZE);
	} else {
		u64 n = off < ino->reg.backing_size ? MIN(PAGE_SIZE, ino->reg.backing_size - off) : 0;
		if (n)
			memcpy(dst, ino->reg.backing + off, n);
		memset(dst + n, 0, PAGE_SIZE - n);
	}
	/* bytes past the end of the file read as zero */
	if (off + PAGE_SIZE > ino->size) {
		u64 keep = ino->size > off ? ino->size - off : 0;
		memset(dst + keep, 0, PAGE_SIZE - keep);
	}
}

static u64 page_of(struct inode *ino, u64 idx, bool for_write)
{
	u64 *s = slot(ino, idx, true, for_write);
	if (!s)
		return 0;
	if (!*s) {
		u64 pa = alloc_frame(for_write);
		if (!pa)
			return 0;
		u64 off = idx * PAGE_SIZE;
		if (off < ino->reg.backing_size)
			memcpy(phys_to_virt(pa), ino->reg.backing + off, MIN(PAGE_SIZE, ino->reg.backing_size - off));
		*s = pa;
	}
	return *s;
}

u64 reg_page(struct inode *ino, u64 idx) { return page_of(ino, idx, false); }

long reg_read(struct inode *ino, u8 *buf, u64 len, u64 off)
{
	if (off >= ino->size)
		return 0;
	len = MIN(len, ino->size - off);
	for (u64 done = 0; done < len;) {
		u64 pos = off + done, in = pos % PAGE_SIZE, n = MIN(len - done, PAGE_SIZE - in);
		u64 pa = frame_of(ino, pos / PAGE_SIZE);
		if (pa)
			memcpy(buf + done, (u8 *)phys_to_virt(pa) + in, n);
		else if (pos < ino->reg.backing_size) {
			u64 m = MIN(n, ino->reg.backing_size - pos);
			memcpy(buf + done, ino->reg.backing + pos, m);
			memset(buf + done + m, 0, n - m);
		} else
			memset(buf + done, 0, n);
		done += n;
	}
	return (long)len;
}

long reg_write(struct inode *ino, const u8 *buf, u64 len, u64 off)
{
	if (off >= MAX_FILE_SIZE || len > MAX_FILE_SIZE - off)
		return -EFBIG;
	u64 done = 0;
	while (done < len) {
		u64 pos = off + done, in = pos % PAGE_SIZE, n = MIN(len - done, PAGE_SIZE - in);
		u64 pa = page_of(ino, pos / PAGE_SIZE, true);
		if (!pa)
			break;
		memcpy((u8 *)phys_to_virt(pa) + in, buf + done, n);
		done += n;
	}
	if (!done && len)
		return -ENOSPC;
	if (off + done > ino->size)
		ino->size = off + done;
	return (long)done;
}

long reg_allocate(struct inode *ino, u64 off, u64 len)
{
	if (off >= MAX_FILE_SIZE || len > MAX_FILE_SIZE - off)
		return -EFBIG;
	u64 first = off / PAGE_SIZE, end = ALIGN_UP(off + len, PAGE_SIZE) / PAGE_SIZE, missing = 0;
	for (u64 i = first; i < end; i++)
		missing += !frame_of(ino, i);
	/* the pages, a table per PER_FRAME of them and the root: all or nothing, as tmpfs */
	u64 need = missing + missing / PER_FRAME + 2;
	if (need > pmm_file_free_bytes() / PAGE_SIZE)
		return -ENOSPC;
	for (u64 i = first; i < end; i++)
		if (!page_of(ino, i, true))
			return -ENOSPC;
	return 0;
}

/* Frees the frames of pages [from, ...) (all of them when from is 0, the tables too). */
static void free_from(struct inode *ino, u64 from)
{
	if (!ino->reg.map)
		return;
	for (u64 l = 0; l < PER_FRAME; l++) {
		u64 leaf = ino->reg.map[l];
		if (!leaf)
			continue;
		u64 *pages = phys_to_virt(leaf);
		for (u64 i = 0; i < PER_FRAME; i++) {
			if (pages[i] && l * PER_FRAME + i >= from) {
				pmm_free(pages[i]);
				pages[i] = 0;
			}
		}
		if (l * PER_FRAME >= from) {
			pmm_free(leaf);
			ino->reg.map[l] = 0;
		}
	}
	if (!from) {
		pmm_free(virt_to_phys(ino->reg.map));
		ino->reg.map = NULL;
	}
}

long reg_truncate(struct inode *ino, u64 size)
{
	if (size > MAX_FILE_SIZE)
		return -EFBIG;
	if (size < ino->size) {
		/* mapped frames stay (a mapping may still point at them) but read as zero */
		if (!ino->maps)
			free_from(ino, ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE);
		u64 idx = size / PAGE_SIZE, pa = frame_of(ino, idx);
		if (size % PAGE_SIZE && pa)
			memset((u8 *)phys_to_virt(pa) + size % PAGE_SIZE, 0, PAGE_SIZE - size % PAGE_SIZE);
		ino->reg.backing_size = MIN(ino->reg.backing_size, size);
		if (ino->maps)
			for (u64 i = ALIGN_UP(size, PAGE_SIZE) / PAGE_SIZE; i < ALIGN_UP(ino->size, PAGE_SIZE) / PAGE_SIZE; i++)
				if ((pa = frame_of(ino, i)))
					memset(phys_to_virt(pa), 0, PAGE_SIZE);
	}
	ino->size = size;
	return 0;
}

void reg_free(struct inode *ino) { free_from(ino, 0); }

u64 reg_frame(struct inode *ino, u64 idx) { return frame_of(ino, idx); }

u64 reg_install(struct inode *ino, u64 idx, u64 pa)
{
	u64 *s = slot(ino, idx, true, false);
	if (!s)
		return 0;
	if (!*s)
		*s = pa;
	return *s;
}
