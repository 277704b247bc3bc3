/* Memory syscalls: anonymous mappings only (no files yet), pages backed on first touch. */
#include "errno.h"
#include "mm.h"
#include "proc.h"
#include "uaccess.h"
#include "vma.h"

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_POPULATE 0x8000
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)

static bool page_aligned(u64 a) { return !(a & (PAGE_SIZE - 1)); }

static bool user_span(u64 start, u64 len) { return start >= MMAP_BOTTOM && start < USER_TOP && len <= USER_TOP - start; }

long sys_mmap(u64 addr, u64 len, long prot, long flags, long fd, long off)
{
	(void)fd;
	if (!len || (prot & ~PROT_MASK))
		return -EINVAL;
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if (!(flags & MAP_ANONYMOUS))
		return -EBADF; /* no files to map yet */
	if (!page_aligned((u64)off))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!page_aligned(addr) || !user_span(addr, len))
			return -EINVAL;
		if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !vma_range_free(addr, addr + len))
			return -EEXIST;
	} else {
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (!addr || !user_span(addr, len) || !vma_range_free(addr, addr + len))
			addr = vma_find_free(len);
		if (!addr)
			return -ENOMEM;
	}
	if (!vma_map(addr, addr + len, (u32)prot))
		return -ENOMEM;
	if ((flags & MAP_POPULATE) && (prot & PROT_READ))
		user_range_ok(addr, len, false);
	return (long)addr;
}

long sys_munmap(u64 addr, u64 len)
{
	if (!page_aligned(addr) || !len || !user_span(addr, len))
		return -EINVAL;
	vma_unmap(addr, addr + ALIGN_UP(len, PAGE_SIZE));
	return 0;
}

long sys_mprotect(u64 addr, u64 len, long prot)
{
	if (!page_aligned(addr) || (prot & ~PROT_MASK & ~0x03000000L)) /* PROT_GROWSDOWN/UP ignored */
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!user_span(addr, len))
		return -ENOMEM;
	return vma_protect(addr, addr + len, (u32)prot & PROT_MASK) ? 0 : -ENOMEM;
}

long sys_mremap(u64 old, u64 old_len, u64 new_len, long flags)
{
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!page_aligned(old) || !new_len || (flags & ~(long)(MREMAP_MAYMOVE | MREMAP_FIXED)) || !old_len)
		return -EINVAL;
	struct vma *v = vma_find(old);
	if (!v || old + old_len > v->end)
		return -EFAULT;
	if (flags & MREMAP_FIXED)
		return -EINVAL; /* not supported: callers fall back to mmap+copy */
	if (new_len <= old_len) {
		vma_unmap(old + new_len, old + old_len);
		return (long)old;
	}
	if (old + old_len == v->end && user_span(old, new_len) && vma_range_free(v->end, old + new_len)) {
		v->end = old + new_len;
		return (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	u32 prot = v->prot;
	u64 dest = vma_find_free(new_len);
	if (!dest || !vma_move(old, old_len, dest))
		return -ENOMEM;
	v = vma_find(dest);
	v->end = dest + new_len;
	v->prot = prot;
	return (long)dest;
}

long sys_madvise(u64 addr, u64 len, long advice)
{
	if (!page_aligned(addr))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!user_span(addr, len))
		return -EINVAL;
	if (advice == MADV_DONTNEED || advice == MADV_FREE)
		vma_discard(addr, addr + len);
	return 0;
}

long sys_brk(u64 addr)
{
	u64 cur_end = ALIGN_UP(proc.brk, PAGE_SIZE);
	if (addr < proc.brk_start || addr >= MMAP_TOP)
		return (long)proc.brk;
	u64 new_end = ALIGN_UP(addr, PAGE_SIZE);
	if (new_end > cur_end) {
		if (!vma_range_free(cur_end, new_end))
			return (long)proc.brk;
		struct vma *v = cur_end > proc.brk_start ? vma_find(cur_end - 1) : NULL;
		if (v && v->end == cur_end)
			v->end = new_end;
		else if (!vma_map(cur_end, new_end, PROT_READ | PROT_WRITE))
			return (long)proc.brk;
	} else if (new_end < cur_end) {
		vma_unmap(new_end, cur_end);
	}
	proc.brk = addr;
	return (long)addr;
}
