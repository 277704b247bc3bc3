/* Memory syscalls: anonymous and file mappings, pages backed on first touch. Memory is promised
 * (overcommitted) as Linux does: a large mapping left untouched costs nothing. One check per call
 * of private anonymous memory that could be written (mmap, brk, mremap growth): once memory is
 * nearly gone (less than a 16th of what the app may take is free), anything larger than what is
 * left is ENOMEM, so that malloc returns NULL rather than the program being killed at its next
 * touch (MAP_NORESERVE skips the check). MAP_POPULATE backs every page or fails with ENOMEM. A
 * promise that cannot be kept after all (pages touched later) ends the process with SIGKILL
 * (kernel/vma.c). */
#include "errno.h"
#include "vfs.h"
#include "mm.h"
#include "process.h"
#include "syscalls.h"
#include "uaccess.h"

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define PROT_MASK (PROT_READ | PROT_WRITE | PROT_EXEC)
#define DEV_ZERO ((1 << 8) | 5)

static bool page_aligned(u64 a) { return !(a & (PAGE_SIZE - 1)); }

static bool user_span(u64 start, u64 len) { return start >= MMAP_BOTTOM && start < USER_TOP && len <= USER_TOP - start; }

/* len more bytes of private memory may be promised (the check described at the top). */
static bool can_promise(u64 len)
{
	u64 free = pmm_user_free_bytes();
	return len <= free || free >= pmm_user_total_bytes() / 16;
}

/* The file to map, or NULL for anonymous memory (also /dev/zero). */
static long file_to_map(int fd, u64 prot, u64 flags, struct file **out)
{
	*out = NULL;
	if (flags & MAP_ANONYMOUS)
		return 0;
	struct file *f = fd_get(fd);
	if (!f || (f->flags & O_PATH))
		return -EBADF;
	struct kstat st;
	vfs_getattr(f->ino, &st);
	if (S_ISCHR(st.mode) && st.rdev == DEV_ZERO)
		return 0;
	if (!vfs_is_data_file(f->ino))
		return -ENODEV;
	u32 acc = f->flags & O_ACCMODE;
	if (acc == O_WRONLY || ((flags & MAP_SHARED) && (prot & PROT_WRITE) && acc != O_RDWR))
		return -EACCES;
	*out = f;
	return 0;
}

long sys_mmap(u64 addr, u64 len, u64 prot, u64 flags, int fd, i64 off)
{
	if (!len || (prot & ~PROT_MASK))
		return -EINVAL;
	if (!(flags & (MAP_SHARED | MAP_PRIVATE)))
		return -EINVAL;
	if (!page_aligned((u64)off) || off < 0)
		return -EINVAL;
	struct file *file;
	long err = file_to_map(fd, prot, flags, &file);
	if (err)
		return err;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return -ENOMEM;
	if (!file && !(flags & (MAP_SHARED | MAP_NORESERVE)) && (prot & PROT_WRITE) && !can_promise(len))
		return -ENOMEM;
	if ((flags & MAP_POPULATE) && prot && len > pmm_user_total_bytes())
		return -ENOMEM; /* could never be backed: said at once */
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!page_aligned(addr) || !user_span(addr, len))
			return -EINVAL;
		if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !mm_range_free(addr, addr + len))
			return -EEXIST;
	} else {
		addr = ALIGN_DOWN(addr, PAGE_SIZE);
		if (!addr || !user_span(addr, len) || !mm_range_free(addr, addr + len))
			addr = mm_find_free(len);
		if (!addr)
			return -ENOMEM;
	}
	if ((flags & MAP_SHARED) && !file) {
		/* shared anonymous memory (or /dev/zero) is a file of its own, shared with children */
		struct file *shmem;
		if ((err = shmem_file(len, "/dev/zero (deleted)", &shmem)))
			return err;
		err = mm_map(addr, len, (u32)prot, shmem, 0, true);
		file_put(shmem); /* the mapping holds it */
	} else {
		err = mm_map(addr, len, (u32)prot, file, (u64)off, file && (flags & MAP_SHARED));
	}
	if (err)
		return err;
	/* MAP_POPULATE: all the pages now, or ENOMEM with none (Linux would kill when they run out) */
	if ((flags & MAP_POPULATE) && prot && !mm_populate(addr, addr + len, prot & PROT_WRITE)) {
		mm_unmap(addr, addr + len);
		return -ENOMEM;
	}
	return (long)addr;
}

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* The ramfs's shared file pages are the file's own frames: nothing to write back. A volume's go
 * back to the host file (MS_ASYNC too: no writer would do it later). */
long sys_msync(u64 addr, u64 len, int flags)
{
	if (!page_aligned(addr) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	u64 end = addr + ALIGN_UP(len, PAGE_SIZE);
	if (!mm_range_mapped(addr, end))
		return -ENOMEM;
	return mm_sync(addr, end);
}

long sys_munmap(u64 addr, u64 len)
{
	if (!page_aligned(addr) || !len || !user_span(addr, len))
		return -EINVAL;
	return mm_unmap(addr, addr + ALIGN_UP(len, PAGE_SIZE)) ? 0 : -ENOMEM;
}

long sys_mprotect(u64 addr, u64 len, u64 prot)
{
	if (!page_aligned(addr) || (prot & ~PROT_MASK & ~0x03000000UL)) /* PROT_GROWSDOWN/UP ignored */
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!user_span(addr, len))
		return -ENOMEM;
	return mm_protect(addr, addr + len, (u32)prot & PROT_MASK) ? 0 : -ENOMEM;
}

long sys_mremap(u64 old, u64 old_len, u64 new_len, u64 flags, u64 new_addr)
{
	(void)new_addr; /* for MREMAP_FIXED, refused below */
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!page_aligned(old) || !new_len || (flags & ~(u64)(MREMAP_MAYMOVE | MREMAP_FIXED)) || !old_len)
		return -EINVAL;
	if (!mm_range_mapped(old, old + 1))
		return -EFAULT;
	if (flags & MREMAP_FIXED)
		return -EINVAL; /* not supported: callers fall back to mmap+copy */
	if (new_len > old_len && !can_promise(new_len - old_len))
		return -ENOMEM;
	return mm_remap(old, old_len, new_len, flags & MREMAP_MAYMOVE);
}

long sys_madvise(u64 addr, u64 len, int advice)
{
	if (!page_aligned(addr))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!user_span(addr, len))
		return -EINVAL;
	if (advice == MADV_DONTNEED || advice == MADV_FREE)
		mm_discard(addr, addr + len);
	return 0;
}

/* A break that grows by more than can be backed stays where it is (malloc then tries mmap). */
long sys_brk(u64 addr)
{
	u64 now = mm_brk(0);
	if (addr > now && !can_promise(ALIGN_UP(addr, PAGE_SIZE) - ALIGN_UP(now, PAGE_SIZE)))
		return (long)now;
	return (long)mm_brk(addr);
}
