/* Maps the vDSO into a process: the code built from vdso/vdso.c, carried in the kernel image
 * (vdso/image.S), and the clocks' data page (clock.c). Both are the kernel's frames, the same in
 * every process, mapped read-only and user-accessible like a file's frames (PTE_FILE: never
 * counted, never freed); a write after mprotect takes a private copy, as for a file. */
#include "vdso.h"
#include "clock.h"
#include "mm.h"
#include "vma.h"

extern const u8 vdso_image_start[], vdso_image_end[];

static u64 image_pages(void) { return (u64)(vdso_image_end - vdso_image_start) / PAGE_SIZE; }

u64 vdso_frame(const struct vma *v, u64 va)
{
	if (v->special == VMA_VVAR)
		return clock_vvar_frame();
	u64 page = (va - v->start) / PAGE_SIZE;
	return page < image_pages() ? virt_to_phys(vdso_image_start) + page * PAGE_SIZE : 0;
}

/* A special mapping, its pages mapped now (debuggers and /proc read them without touching them). */
static bool map_special(struct mm *mm, u64 start, u64 pages, u32 prot, u8 kind)
{
	if (!vma_map(mm, start, start + pages * PAGE_SIZE, prot))
		return false;
	struct vma *v = vma_find(mm, start);
	v->special = kind;
	for (u64 va = start; va < v->end; va += PAGE_SIZE) {
		u64 *pte = vmm_pte(mm->root, va, true);
		if (!pte)
			return false;
		*pte = vdso_frame(v, va) | (prot_to_pte(prot) & ~PTE_W) | PTE_FILE;
	}
	return true;
}

bool vdso_map(struct mm *mm)
{
	return map_special(mm, VDSO_VVAR, 1, PROT_READ, VMA_VVAR) &&
	       map_special(mm, VDSO_BASE, image_pages(), PROT_READ | PROT_EXEC, VMA_VDSO);
}

bool vdso_contains(struct mm *mm, u64 addr)
{
	struct vma *v = vma_find(mm, addr);
	return v && v->special == VMA_VDSO;
}
