/* The vDSO (vdso/): its code, the clocks' data page and each address space's identity page. */
#pragma once
#include "mm.h"
#include "proc.h"
#include "vma.h"

/* Where every process has them, in the gap between the mmap area and the stack: [vvar] (two pages:
 * the identity page, vdso/ids.h, then the clocks' page, vdso/vvar.h) and the code ([vdso]) right
 * above it. They never move: the build-time rewriter's trampolines read the identity page at its
 * fixed address (rewriter/identity-page.ts). */
#define VDSO_VVAR (STACK_TOP - STACK_SIZE - (16UL << 20)) /* the clocks' page */
#define VDSO_BASE (VDSO_VVAR + PAGE_SIZE)
#define VDSO_IDS (VDSO_VVAR - PAGE_SIZE) /* the identity page */
_Static_assert(VDSO_BASE == 0x7ffffe800000UL, "the vDSO is at 0x7ffffe800000 (kernel/IMAGE.md)");
_Static_assert(VDSO_IDS == 0x7ffffe7fe000UL, "the rewriter reads the identity page at 0x7ffffe7fe000 (rewriter/identity-page.ts)");

/* Maps them into a new address space (execve), with an identity page of its own; false when out of
 * memory. */
bool vdso_map(struct mm *mm);
/* fork: the child (to) gets an identity page of its own where from maps its own; false when out of memory. */
bool vdso_fork(struct mm *from, struct mm *to);
/* The last reference to mm is gone (its mappings already are): frees its identity page. */
void vdso_release(struct mm *mm);
/* The frame behind va in one of the special mappings of mm (a page dropped by madvise comes back from it). */
u64 vdso_frame(const struct mm *mm, const struct vma *v, u64 va);
/* Whether addr lies in the process's vDSO code (its own fallback syscalls are always allowed). */
bool vdso_contains(struct mm *mm, u64 addr);

/* The identity page is kept current by generation: vdso_ids_gen goes up at every event that may
 * change an answer of any address space (vdso_ids_changed), and each address space rewrites its
 * page on its way back to user mode when the generation it was written at is older. */
extern u64 vdso_ids_gen;
static inline void vdso_ids_changed(void) { vdso_ids_gen++; }
void vdso_ids_refresh(struct mm *mm);
/* Called on every way to ring 3 (syscall and trap exits, a new thread's start, the first program). */
static inline void vdso_ids_before_user(void)
{
	struct mm *mm = current->proc->mm;
	if (__builtin_expect(mm->ids_gen != vdso_ids_gen, 0))
		vdso_ids_refresh(mm);
}
