/* Maps the vDSO into a process: the code built from vdso/vdso.c, carried in the kernel image
 * (vdso/image.S), and [vvar]: the address space's own identity page (vdso/ids.h, read by the
 * rewriter's trampolines), then the clocks' data page (clock.c). The code and the clocks are the
 * kernel's frames, the same in every process; the identity page is a frame of the address space's
 * own, which the kernel writes through its direct map. All are mapped read-only and user-accessible like a file's frames
 * (PTE_FILE: never counted, never freed by the mapping's end); a write after mprotect takes a
 * private copy, as for a file (and that copy is then the program's, no longer kept current).
 *
 * Keeping the identity page current. Its answers change at these events, each of which calls
 * vdso_ids_changed() (a global generation goes up):
 *   - clone (fork.c): a new thread (gettid has more than one answer in the address space), or a
 *     process sharing the address space (CLONE_VM, vfork: nothing is answered while it is shared);
 *     a forked child gets a page of its own (vdso_fork), written before it first runs;
 *   - a thread's end (thread.c): one thread left, gettid is answered again;
 *   - a process's end (exit.c): its children are reparented (their getppid changes) and an address
 *     space it shared has one process fewer;
 *   - execve (exec.c): a new address space (written before the new program runs), and the one it
 *     left (a vfork parent's) has one process fewer;
 *   - set*uid and set*gid (syscall-shim/ids.c, through proc_ids_changed).
 * Nothing else changes these answers here (no pid namespaces: getpid is the pid). On every way back
 * to ring 3 (vdso_ids_before_user) an address space whose page is older than the generation has it
 * rewritten from the syscalls' own handlers; the cost otherwise is one compare. The page is only
 * read while one of the address space's threads runs in ring 3, on the one CPU: it is current
 * whenever user code can look at it. */
#include "vdso.h"
#include "allowlist.h"
#include "clock.h"
#include "mm.h"
#include "proc.h"
#include "syscall.h"
#include "trace.h"
#include "vdso/ids.h"
#include "vma.h"

extern const u8 vdso_image_start[], vdso_image_end[];

u64 vdso_ids_gen = 1; /* a new address space has 0: written before its first return to ring 3 */

static u64 image_pages(void) { return (u64)(vdso_image_end - vdso_image_start) / PAGE_SIZE; }

u64 vdso_frame(const struct mm *mm, const struct vma *v, u64 va)
{
	u64 page = (v->off + va - v->start) / PAGE_SIZE;
	if (v->special == VMA_VVAR)
		return page == 0 ? mm->ids_frame : page == 1 ? clock_vvar_frame() : 0;
	return page < image_pages() ? virt_to_phys(vdso_image_start) + page * PAGE_SIZE : 0;
}

/* A special mapping, its pages mapped now (debuggers and /proc read them without touching them). */
static bool map_special(struct mm *mm, u64 start, u64 pages, u32 prot, u8 kind)
{
	if (!vma_map(mm, start, start + pages * PAGE_SIZE, prot))
		return false;
	struct vma *v = vma_find(mm, start);
	v->special = kind;
	v->off = 0;
	for (u64 va = start; va < v->end; va += PAGE_SIZE) {
		u64 *pte = vmm_pte(mm->root, va, true);
		if (!pte)
			return false;
		*pte = vdso_frame(mm, v, va) | (prot_to_pte(prot) & ~PTE_W) | PTE_FILE;
	}
	return true;
}

bool vdso_map(struct mm *mm)
{
	if (!mm->ids_frame && !(mm->ids_frame = pmm_alloc()))
		return false;
	mm->ids_gen = 0;
	return map_special(mm, VDSO_IDS, 2, PROT_READ, VMA_VVAR) &&
	       map_special(mm, VDSO_BASE, image_pages(), PROT_READ | PROT_EXEC, VMA_VDSO);
}

bool vdso_fork(struct mm *from, struct mm *to)
{
	if (!from->ids_frame)
		return true;
	if (!(to->ids_frame = pmm_alloc())) /* zeroed: nothing valid until written */
		return false;
	to->ids_gen = 0;
	/* the copied page tables still map from's page: the child's own instead */
	for (struct vma *v = to->vmas; v; v = v->next) {
		if (v->special != VMA_VVAR)
			continue;
		for (u64 va = v->start; va < v->end; va += PAGE_SIZE) {
			u64 *pte = vmm_pte(to->root, va, false);
			if (pte && (*pte & (PTE_P | PTE_NONE)) && (*pte & PTE_ADDR) == from->ids_frame)
				*pte = to->ids_frame | (*pte & ~PTE_ADDR);
		}
	}
	return true;
}

void vdso_release(struct mm *mm)
{
	if (mm->ids_frame)
		pmm_free(mm->ids_frame);
	mm->ids_frame = 0;
}

bool vdso_contains(struct mm *mm, u64 addr)
{
	struct vma *v = vma_find(mm, addr);
	return v && v->special == VMA_VDSO;
}

void proc_ids_changed(void) { vdso_ids_changed(); }

/* The syscall numbers of the identity calls, in the page's order (ids.h). */
static const u16 ids_nr[VDSO_IDS_CALLS] = { 39, 110, 186, 102, 107, 104, 108 };

/* Rewrites mm's identity page for the running thread, one of mm's. The answers come from the
 * syscalls' own handlers (the dispatch table), called as the syscall would call them. */
void vdso_ids_refresh(struct mm *mm)
{
	static const struct regs none;
	mm->ids_gen = vdso_ids_gen;
	if (!mm->ids_frame)
		return;
	struct vdso_ids *ids = phys_to_virt(mm->ids_frame);
	struct proc *p = current->proc;
	/* one process in the address space (not a vfork or CLONE_VM pair); traced calls go to the kernel */
	bool answered = mm->refs == 1 && p->mm == mm && !trace_on;
	for (int k = 0; k < VDSO_IDS_CALLS; k++) {
		u64 nr = ids_nr[k];
		bool valid = answered && syscall_table[nr] && allowlist_allows(nr) && (k != VDSO_ID_GETTID || p->threads == 1);
		long ret = valid ? syscall_table[nr](&none) : -1;
		if (ret >= 0 && ret <= 0xffffffffL) {
			ids->value[k] = (u32)ret;
			ids->valid[k] = 1;
		} else {
			/* the value stays: a thread interrupted between its two reads (it saw the call valid)
			 * still returns what was the answer when it looked */
			ids->valid[k] = 0;
		}
	}
}
