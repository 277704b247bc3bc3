/* Memory syscalls: anonymous and file mappings, pages backed on first touch. */
#include "errno.h"
#include "vfs.h"
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

/* The file to map, or NULL for anonymous memory (also /dev/zero); -errno as a pointer value. */
static long file_to_map(long fd, long prot, long flags, struct file **out)
{
	*out = NULL;
	if (flags & MAP_ANONYMOUS)
		return 0;
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	if (S_ISCHR(f->ino->mode) && f->ino->rdev == ((1 << 8) | 5))
		return 0; /* /dev/zero */
	if (!S_ISREG(f->ino->mode) || f->ino->ops)
		return -ENODEV;
	u32 acc = f->flags & O_ACCMODE;
	if (acc == O_WRONLY || ((flags & MAP_SHARED) && (prot & PROT_WRITE) && acc != O_RDWR))
		return -EACCES;
	*out = f;
	return 0;
}

long sys_mmap(u64 addr, u64 len, long prot, long flags, long fd, long off)
{
	if (!len || (prot & ~PROT_MASK))
		return -EINVAL;
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if (!page_aligned((u64)off) || off < 0)
		return -EINVAL;
	struct file *file;
	struct mm *mm = mm_current();
	long err = file_to_map(fd, prot, flags, &file);
	if (err)
		return err;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!page_aligned(addr) || !user_span(addr, len))
			return -EINVAL;
		if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !vma_range_free(mm, addr, addr + len))
			return -EEXIST;
	} else {
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (!addr || !user_span(addr, len) || !vma_range_free(mm, addr, addr + len))
			addr = vma_find_free(mm, len);
		if (!addr)
			return -ENOMEM;
	}
	if (!vma_map_file(mm, addr, addr + len, (u32)prot, file, (u64)off, file && (flags & MAP_SHARED)))
		return -ENOMEM;
	if ((flags & MAP_POPULATE) && (prot & PROT_READ))
		user_range_ok(addr, len, false);
	return (long)addr;
}

long vfs_mmap(struct file *f, u64 addr, u64 len, u32 prot, bool shared, u64 off)
{
	if (!page_aligned(addr) || !page_aligned(off) || !len || !user_span(addr, len))
		return -EINVAL;
	if (!S_ISREG(f->ino->mode) || f->ino->ops)
		return -ENODEV;
	return vma_map_file(mm_current(), addr, addr + ALIGN_UP(len, PAGE_SIZE), prot, f, off, shared) ? 0 : -ENOMEM;
}

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* Shared file pages are the file's own frames: there is nothing to write back. */
long sys_msync(u64 addr, u64 len, long flags)
{
	if (!page_aligned(addr) || (flags & ~(long)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	for (u64 a = addr; a < addr + len;) {
		struct vma *v = vma_find(mm_current(), a);
		if (!v)
			return -ENOMEM;
		a = v->end;
	}
	return 0;
}

long sys_munmap(u64 addr, u64 len)
{
	if (!page_aligned(addr) || !len || !user_span(addr, len))
		return -EINVAL;
	vma_unmap(mm_current(), addr, addr + ALIGN_UP(len, PAGE_SIZE));
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
	return vma_protect(mm_current(), addr, addr + len, (u32)prot & PROT_MASK) ? 0 : -ENOMEM;
}

long sys_mremap(u64 old, u64 old_len, u64 new_len, long flags)
{
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!page_aligned(old) || !new_len || (flags & ~(long)(MREMAP_MAYMOVE | MREMAP_FIXED)) || !old_len)
		return -EINVAL;
	struct mm *mm = mm_current();
	struct vma *v = vma_find(mm, old);
	if (!v || old + old_len > v->end)
		return -EFAULT;
	if (flags & MREMAP_FIXED)
		return -EINVAL; /* not supported: callers fall back to mmap+copy */
	if (new_len <= old_len) {
		vma_unmap(mm, old + new_len, old + old_len);
		return (long)old;
	}
	if (old + old_len == v->end && user_span(old, new_len) && vma_range_free(mm, v->end, old + new_len)) {
		v->end = old + new_len;
		return (long)old;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	u32 prot = v->prot;
	u64 dest = vma_find_free(mm, new_len);
	if (!dest || !vma_move(mm, old, old_len, dest))
		return -ENOMEM;
	v = vma_find(mm, dest);
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
		vma_discard(mm_current(), addr, addr + len);
	return 0;
}

long sys_brk(u64 addr)
{
	struct mm *mm = mm_current();
	u64 cur_end = ALIGN_UP(mm->brk, PAGE_SIZE);
	if (addr < mm->brk_start || addr >= MMAP_TOP)
		return (long)mm->brk;
	u64 new_end = ALIGN_UP(addr, PAGE_SIZE);
	if (new_end > cur_end) {
		if (!vma_range_free(mm, cur_end, new_end))
			return (long)mm->brk;
		struct vma *v = cur_end > mm->brk_start ? vma_find(mm, cur_end - 1) : NULL;
		if (v && v->end == cur_end)
			v->end = new_end;
		else if (!vma_map(mm, cur_end, new_end, PROT_READ | PROT_WRITE))
			return (long)mm->brk;
	} else if (new_end < cur_end) {
		vma_unmap(mm, new_end, cur_end);
	}
	mm->brk = addr;
	return (long)addr;
}
