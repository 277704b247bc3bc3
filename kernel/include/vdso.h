/* The vDSO (vdso/): its code and the clocks' data page, mapped into every process. */
#pragma once
#include "mm.h"

struct mm;
struct vma;

/* Where every process has them: the data page ([vvar]), then the code ([vdso]) right above it,
 * in the gap between the mmap area and the stack. */
#define VDSO_VVAR (STACK_TOP - STACK_SIZE - (16UL << 20))
#define VDSO_BASE (VDSO_VVAR + PAGE_SIZE)

/* Maps both into a new address space (execve); false when out of memory. A fork copies them. */
bool vdso_map(struct mm *mm);
/* The frame behind va in one of the two mappings (a page dropped by madvise comes back from it). */
u64 vdso_frame(const struct vma *v, u64 va);
/* Whether addr lies in the process's vDSO code (its own fallback syscalls are always allowed). */
bool vdso_contains(struct mm *mm, u64 addr);
