/* Address spaces and their regions. Pages are backed on first touch (vma_fault); protections live
 * in the VMA and are copied into each PTE. File mappings map the file's own frames (PTE_FILE): a
 * shared mapping reads and writes them, a private one reads them until its first write to a page
 * takes a copy (so every process running a program runs the same frames: under TCG their code is
 * translated once). A volume's file has frames only while it is mapped shared (fs_ops.map_page,
 * written back when a mapping goes); its private pages are read from the host. After fork,
 * private frames are shared read-only by both address spaces (counted, mm.h frame_get): the first
 * write to one takes a copy, or just write access when it is the last mapping left. */
#include "vma.h"
#include "errno.h"
#include "gdb.h"
#include "run_stats.h"
#include "vfs.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "thread.h"
#include "vdso.h"
#include "x86.h"

u64 prot_to_pte(u32 prot)
{
	if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return PTE_NONE;
	return PTE_P | PTE_U | ((prot & PROT_WRITE) ? PTE_W : 0) | ((prot & PROT_EXEC) ? 0 : PTE_NX);
}

struct vma *vma_find(struct mm *mm, u64 addr)
{
	for (struct vma *v = mm->vmas; v && v->start <= addr; v = v->next)
		if (addr < v->end)
			return v;
	return NULL;
}

bool vma_range_free(struct mm *mm, u64 start, u64 end)
{
	for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
		if (v->end > start)
			return false;
	return true;
}

/* Splits the VMA containing addr so that a VMA starts at addr. */
static bool split_at(struct mm *mm, u64 addr)
{
	struct vma *v = vma_find(mm, addr);
	if (!v || v->start == addr)
		return true;
	struct vma *n = kmalloc(sizeof(*n));
	if (!n)
		return false;
	*n = *v;
	n->start = addr;
	if (n->file || n->special)
		n->off += addr - v->start;
	if (n->file) {
		file_get(n->file);
		n->file->ino->maps++;
	}
	v->end = addr;
	v->next = n;
	return true;
}

static void free_pages(struct mm *mm, u64 start, u64 end)
{
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		u64 *pte = vmm_pte(mm->root, va, false);
		if (pte && (*pte & (PTE_P | PTE_NONE))) {
			if (!(*pte & PTE_FILE))
				frame_put(*pte & PTE_ADDR);
			*pte = 0;
			vmm_flush(mm->root, va);
		}
	}
}

/* A mapping of v's file is gone. A volume's file gets its shared pages written back (which sleeps:
 * never in the middle of a walk of the mapping list) and, with its last mapping, drops them. */
static void drop_file(struct vma *v, bool sync)
{
	if (!v->file)
		return;
	struct inode *ino = v->file->ino;
	if (sync && ino->fs && v->shared)
		ino->fs->writeback(v->file);
	if (!--ino->maps && ino->fs)
		ino->fs->unmapped(ino);
	file_put(v->file);
}

static bool continues(const struct vma *v, const struct vma *n)
{
	if (v->end != n->start || v->prot != n->prot || v->file != n->file || v->shared != n->shared || v->special || n->special)
		return false;
	return !v->file || v->off + (v->end - v->start) == n->off;
}

/* Joins neighbours with the same protection (mprotect splits; undoing it should not leave seams). */
static void merge_adjacent(struct mm *mm)
{
	for (struct vma *v = mm->vmas; v && v->next;) {
		struct vma *n = v->next;
		if (continues(v, n)) {
			v->end = n->end;
			v->next = n->next;
			drop_file(n, false); /* v maps the same file on */
			kfree(n);
		} else {
			v = n;
		}
	}
}

bool vma_unmap(struct mm *mm, u64 start, u64 end)
{
	if (!split_at(mm, start) || !split_at(mm, end))
		return false; /* a seam left by the first split changes nothing */
	struct vma **link = &mm->vmas, *gone = NULL;
	while (*link) {
		struct vma *v = *link;
		if (v->start >= start && v->end <= end) {
			free_pages(mm, v->start, v->end);
			*link = v->next;
			v->next = gone;
			gone = v;
		} else {
			link = &v->next;
		}
	}
	/* after the walk: dropping a file's mapping may sleep (a volume's write-back) */
	while (gone) {
		struct vma *v = gone;
		gone = v->next;
		drop_file(v, true);
		kfree(v);
	}
	return true;
}

bool vma_map_file(struct mm *mm, u64 start, u64 end, u32 prot, struct file *f, u64 off, bool shared)
{
	if (!vma_unmap(mm, start, end))
		return false;
	struct vma *n = kzalloc(sizeof(*n));
	if (!n)
		return false;
	n->start = start;
	n->end = end;
	n->prot = prot;
	if (f) {
		file_get(f);
		n->file = f;
		n->off = off;
		n->shared = shared;
		f->ino->maps++;
	}
	struct vma **link = &mm->vmas;
	while (*link && (*link)->start < start)
		link = &(*link)->next;
	n->next = *link;
	*link = n;
	return true;
}

bool vma_map(struct mm *mm, u64 start, u64 end, u32 prot) { return vma_map_file(mm, start, end, prot, NULL, 0, false); }

bool vma_protect(struct mm *mm, u64 start, u64 end, u32 prot)
{
	for (u64 a = start; a < end;) {
		struct vma *v = vma_find(mm, a);
		if (!v)
			return false;
		a = v->end;
	}
	if (!split_at(mm, start) || !split_at(mm, end))
		return false;
	u64 flags = prot_to_pte(prot);
	for (struct vma *v = mm->vmas; v && v->start < end; v = v->next) {
		if (v->start < start)
			continue;
		v->prot = prot;
		for (u64 va = v->start; va < v->end; va += PAGE_SIZE) {
			u64 *pte = vmm_pte(mm->root, va, false);
			if (pte && (*pte & (PTE_P | PTE_NONE))) {
				u64 pa = *pte & PTE_ADDR;
				/* a private page that is a file's frame, or shared after fork, stays read-only until written */
				bool cow = !v->shared && ((*pte & PTE_FILE) || frame_refs(pa) > 1);
				*pte = (*pte & (PTE_ADDR | PTE_FILE)) | (cow ? flags & ~PTE_W : flags);
				vmm_flush(mm->root, va);
			}
		}
	}
	merge_adjacent(mm);
	return true;
}

bool vma_move(struct mm *mm, u64 old, u64 len, u64 new_start)
{
	struct vma *v = vma_find(mm, old);
	if (!v || !vma_map_file(mm, new_start, new_start + len, v->prot, v->file, v->off + (old - v->start), v->shared))
		return false;
	for (u64 off = 0; off < len; off += PAGE_SIZE) {
		u64 *src = vmm_pte(mm->root, old + off, false);
		if (!src || !(*src & (PTE_P | PTE_NONE)))
			continue;
		u64 *dst = vmm_pte(mm->root, new_start + off, true);
		if (!dst)
			return false;
		*dst = *src;
		*src = 0;
		vmm_flush(mm->root, old + off);
	}
	vma_unmap(mm, old, old + len);
	return true;
}

u64 vma_find_free(struct mm *mm, u64 len)
{
	u64 best = 0, prev_end = MMAP_BOTTOM;
	for (struct vma *v = mm->vmas;; v = v->next) {
		u64 gap_end = v ? MIN(v->start, MMAP_TOP) : MMAP_TOP;
		if (gap_end > prev_end && gap_end - prev_end >= len)
			best = gap_end - len;
		if (!v || v->start >= MMAP_TOP)
			break;
		prev_end = MAX(prev_end, v->end);
	}
	return best;
}

/* No frame for a page the app touches (the app's pages may not take the kernel's reserve, pmm.c):
 * as Linux's OOM killer, the process ends with SIGKILL (status 137), and the log says which. */
static void oom_kill(struct proc *p)
{
	if (p->exiting)
		return;
	kerr("out of memory: killed pid %d (%s), VM has %lu MiB; raise -m", p->pid, p->comm, pmm_ram_mib());
	proc_kill(p, SIGKILL);
}

/* A write to a private page that is a file's frame, or that fork left shared: a copy of its own,
 * unless nobody else has it. */
static enum fault copy_on_write(struct mm *mm, const struct vma *v, u64 va, u64 *pte)
{
	u64 pa = *pte & PTE_ADDR;
	bool file = *pte & PTE_FILE;
	if (file || frame_refs(pa) > 1) {
		u64 copy = pmm_alloc_user_uninit();
		if (!copy)
			return FAULT_OOM;
		memcpy(phys_to_virt(copy), phys_to_virt(pa), PAGE_SIZE);
		if (!file)
			frame_put(pa);
		pa = copy;
	}
	*pte = pa | prot_to_pte(v->prot);
	vmm_flush(mm->root, va);
	return FAULT_OK;
}

/* A page of a volume's file. Private: read from the host into a frame of its own. Shared: the
 * frame the file keeps for its shared mappings (fs->map_page). Reading sleeps, so the page is
 * looked at again after it (another thread may have mapped or unmapped it meanwhile). */
static enum fault fault_from_volume(struct mm *mm, struct vma *v, u64 va, u64 idx, bool shared)
{
	struct file *f = v->file;
	u64 pa = shared ? 0 : pmm_alloc_user_uninit();
	if (!shared && !pa)
		return FAULT_OOM;
	file_get(f);
	long err = shared ? ((pa = f->ino->fs->map_page(f, idx)) ? 0 : -ENOMEM)
			  : f->ino->fs->read_page(f, idx, phys_to_virt(pa));
	struct vma *now = vma_find(mm, va);
	u64 *pte = now && now->file == f ? vmm_pte(mm->root, va, true) : NULL;
	file_put(f);
	if (err || !pte || (*pte & (PTE_P | PTE_NONE))) {
		if (!shared && pa)
			pmm_free(pa);
		if (err == -ENOMEM)
			return FAULT_OOM;
		/* a read error: SIGSEGV (Linux: SIGBUS) */
		return !err && pte && (*pte & PTE_P) ? FAULT_OK : FAULT_BAD;
	}
	*pte = pa | prot_to_pte(now->prot) | (shared ? PTE_FILE : 0);
	return FAULT_OK;
}

enum fault vma_fault_page(struct mm *mm, u64 addr, bool write, bool exec)
{
	run_stats.page_faults++;
	struct vma *v = vma_find(mm, addr);
	if (!v || !(v->prot & (write ? PROT_WRITE : exec ? PROT_EXEC : PROT_READ)))
		return FAULT_BAD;
	u64 va = ALIGN_DOWN(addr, PAGE_SIZE);
	u64 *pte = vmm_pte(mm->root, va, true);
	if (!pte)
		return FAULT_OOM; /* no frame for a page table */
	if ((*pte & PTE_P) && write && !(*pte & PTE_W) && !v->shared)
		return copy_on_write(mm, v, va, pte);
	if (*pte & (PTE_P | PTE_NONE))
		return FAULT_BAD;
	if (v->special) { /* the vDSO's pages, dropped by madvise: the kernel's frames again */
		u64 pa = vdso_frame(mm, v, va);
		if (!pa)
			return FAULT_BAD;
		*pte = pa | (prot_to_pte(v->prot) & ~PTE_W) | PTE_FILE;
		return FAULT_OK;
	}
	u64 idx = v->file ? (v->off + (va - v->start)) / PAGE_SIZE : 0;
	if (v->file && v->file->ino->fs)
		return fault_from_volume(mm, v, va, idx, v->shared);
	if (v->file && (v->shared || !write)) {
		/* the file's own frame: a private mapping gets it read-only until it writes */
		u64 pa = reg_page(v->file->ino, idx);
		if (!pa)
			return FAULT_OOM;
		*pte = pa | (prot_to_pte(v->prot) & (v->shared ? ~0UL : ~PTE_W)) | PTE_FILE;
		return FAULT_OK;
	}
	u64 pa = v->file ? pmm_alloc_user_uninit() : pmm_alloc_user();
	if (!pa)
		return FAULT_OOM;
	if (v->file)
		reg_copy_page(v->file->ino, idx, phys_to_virt(pa));
	*pte = pa | prot_to_pte(v->prot);
	return FAULT_OK;
}

bool vma_fault(struct mm *mm, u64 addr, bool write, bool exec)
{
	enum fault r = vma_fault_page(mm, addr, write, exec);
	if (r == FAULT_OOM)
		oom_kill(current->proc);
	return r == FAULT_OK;
}

bool vma_populate(struct mm *mm, u64 start, u64 end, bool write)
{
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		u64 *pte = vmm_pte(mm->root, va, false);
		if (pte && (*pte & PTE_P) && (!write || (*pte & PTE_W)))
			continue;
		if (vma_fault_page(mm, va, write, false) == FAULT_OOM)
			return false;
	}
	return true;
}

void vma_discard(struct mm *mm, u64 start, u64 end) { free_pages(mm, start, end); }

struct mm *mm_new(void)
{
	struct mm *mm = kzalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	if (!(mm->root = vmm_new_root())) {
		kfree(mm);
		return NULL;
	}
	mm->refs = 1;
	mm->pcid = vmm_pcid_alloc();
	mm->pcid_fresh = true;
	return mm;
}

void mm_get(struct mm *mm) { mm->refs++; }

void mm_put(struct mm *mm)
{
	if (--mm->refs)
		return;
	vma_unmap(mm, 0, USER_TOP);
	vdso_release(mm);
	vmm_free_root(mm->root);
	vmm_pcid_free(mm->pcid);
	kfree(mm);
}

struct mm *mm_current(void) { return current->proc->mm; }

void mm_switch(struct mm *mm)
{
	vmm_switch(mm->root, mm->pcid, mm->pcid_fresh);
	mm->pcid_fresh = false;
}

struct mm *mm_fork(struct mm *from)
{
	struct mm *mm = mm_new();
	if (!mm)
		return NULL;
	mm->brk_start = from->brk_start, mm->brk = from->brk, mm->load_bias = from->load_bias;
	mm->arg_start = from->arg_start, mm->arg_end = from->arg_end;
	mm->membarrier = from->membarrier;
	struct vma **tail = &mm->vmas;
	for (struct vma *v = from->vmas; v; v = v->next) {
		struct vma *c = kmalloc(sizeof(*c));
		if (!c) {
			mm_put(mm);
			return NULL;
		}
		*c = *v;
		c->next = NULL;
		if (c->file) {
			file_get(c->file);
			c->file->ino->maps++;
		}
		*tail = c;
		tail = &c->next;
	}
	if (!vmm_fork(from->root, mm->root) || !vdso_fork(from, mm)) {
		mm_put(mm);
		return NULL;
	}
	return mm;
}

/* The calling process's address space, for the syscalls (api/mm.h). */

long mm_map(u64 addr, u64 len, u32 prot, struct file *f, u64 off, bool shared)
{
	if (!vma_map_file(mm_current(), addr, addr + len, prot, f, off, shared))
		return -ENOMEM;
	gdb_mmap(f, addr, addr + len, off);
	return 0;
}

u64 mm_find_free(u64 len) { return vma_find_free(mm_current(), len); }
bool mm_range_free(u64 start, u64 end) { return vma_range_free(mm_current(), start, end); }
bool mm_unmap(u64 start, u64 end) { return vma_unmap(mm_current(), start, end); }
bool mm_populate(u64 start, u64 end, bool write) { return vma_populate(mm_current(), start, end, write); }
bool mm_protect(u64 start, u64 end, u32 prot) { return vma_protect(mm_current(), start, end, prot); }
void mm_discard(u64 start, u64 end) { vma_discard(mm_current(), start, end); }
u32 mm_membarrier_registered(void) { return mm_current()->membarrier; }
void mm_membarrier_register(u32 cmd) { mm_current()->membarrier |= cmd; }

long mm_sync(u64 start, u64 end)
{
	struct mm *mm = mm_current();
	long err = 0;
	/* one mapping at a time, looked for again after each: writing back sleeps, and the list may
	 * change meanwhile */
	for (u64 at = start;;) {
		struct vma *v = mm->vmas;
		while (v && (v->end <= at || !v->shared || !v->file || !v->file->ino->fs))
			v = v->next;
		if (!v || v->start >= end)
			return err;
		struct file *f = v->file;
		at = v->end;
		file_get(f);
		long e = f->ino->fs->writeback(f);
		file_put(f);
		if (!err)
			err = e;
	}
}

bool mm_range_mapped(u64 start, u64 end)
{
	struct mm *mm = mm_current();
	while (start < end) {
		struct vma *v = vma_find(mm, start);
		if (!v)
			return false;
		start = v->end;
	}
	return true;
}

long mm_remap(u64 old, u64 old_len, u64 new_len, bool may_move)
{
	struct mm *mm = mm_current();
	struct vma *v = vma_find(mm, old);
	if (!v || old + old_len > v->end)
		return -EFAULT;
	if (new_len <= old_len)
		return vma_unmap(mm, old + new_len, old + old_len) ? (long)old : -ENOMEM;
	if (old + old_len == v->end && new_len <= USER_TOP - old && vma_range_free(mm, v->end, old + new_len)) {
		v->end = old + new_len;
		return (long)old;
	}
	if (!may_move)
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

u64 mm_brk(u64 addr)
{
	struct mm *mm = mm_current();
	u64 cur_end = ALIGN_UP(mm->brk, PAGE_SIZE);
	if (addr < mm->brk_start || addr >= MMAP_TOP)
		return mm->brk;
	u64 new_end = ALIGN_UP(addr, PAGE_SIZE);
	if (new_end > cur_end) {
		if (!vma_range_free(mm, cur_end, new_end))
			return mm->brk;
		struct vma *v = cur_end > mm->brk_start ? vma_find(mm, cur_end - 1) : NULL;
		if (v && v->end == cur_end && !v->file)
			v->end = new_end;
		else if (!vma_map(mm, cur_end, new_end, PROT_READ | PROT_WRITE))
			return mm->brk;
	} else if (new_end < cur_end && !vma_unmap(mm, new_end, cur_end)) {
		return mm->brk;
	}
	mm->brk = addr;
	return addr;
}

long vfs_mmap(struct file *f, u64 addr, u64 len, u32 prot, bool shared, u64 off)
{
	if ((addr | off) & (PAGE_SIZE - 1) || !len || addr < MMAP_BOTTOM || addr >= USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	if (!vfs_is_data_file(f->ino))
		return -ENODEV;
	return mm_map(addr, ALIGN_UP(len, PAGE_SIZE), prot, f, off, shared);
}

long mm_read(struct mm *mm, u64 addr, void *buf, u64 len)
{
	u64 done = 0;
	while (done < len) {
		u64 at = addr + done, n = MIN(len - done, PAGE_SIZE - at % PAGE_SIZE);
		u64 *pte = vma_find(mm, at) ? vmm_pte(mm->root, at, false) : NULL;
		if (!pte || !(*pte & PTE_P))
			break; /* a page never touched holds nothing worth reading */
		memcpy((u8 *)buf + done, (u8 *)phys_to_virt(*pte & PTE_ADDR) + at % PAGE_SIZE, n);
		done += n;
	}
	return (long)done;
}
