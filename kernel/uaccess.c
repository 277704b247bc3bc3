/* Checked access to user memory. The kernel reads and writes the process's pages directly (its
 * page table is loaded) once the range is known to be user memory with the right protection;
 * pages not yet backed are backed first, and pages shared copy-on-write are copied before a
 * write, so the kernel itself never takes a page fault on user memory. */
#include "uaccess.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "vma.h"

bool user_range_ok(u64 addr, u64 len, bool write)
{
	if (len == 0)
		return true;
	if (addr >= USER_TOP || len > USER_TOP - addr)
		return false;
	struct mm *mm = mm_current();
	for (u64 page = ALIGN_DOWN(addr, PAGE_SIZE); page < addr + len; page += PAGE_SIZE) {
		struct vma *v = vma_find(mm, page);
		if (!v || !(v->prot & (write ? PROT_WRITE : PROT_READ)))
			return false;
		u64 *pte = vmm_pte(mm->root, page, false);
		if (!pte || !(*pte & PTE_P) || (write && !(*pte & PTE_W))) {
			if (!vma_fault(mm, page, write, false))
				return false;
		}
	}
	return true;
}

long copy_from_user(void *dst, u64 src, size_t len)
{
	if (!user_range_ok(src, len, false))
		return -EFAULT;
	memcpy(dst, (const void *)src, len);
	return 0;
}

long copy_to_user(u64 dst, const void *src, size_t len)
{
	if (!user_range_ok(dst, len, true))
		return -EFAULT;
	memcpy((void *)dst, src, len);
	return 0;
}

long clear_user(u64 dst, size_t len)
{
	if (!user_range_ok(dst, len, true))
		return -EFAULT;
	memset((void *)dst, 0, len);
	return 0;
}

long string_from_user(char *dst, u64 src, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		/* check page by page: the string may end right before an unmapped page */
		if ((i == 0 || ((src + i) & (PAGE_SIZE - 1)) == 0) && !user_range_ok(src + i, 1, false))
			return -EFAULT;
		dst[i] = ((const char *)src)[i];
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}
