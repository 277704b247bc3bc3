/* Address spaces: a page table and regions (VMAs) with protections; pages are backed on first
 * touch, from zeros (anonymous) or from a file (file mappings). */
#pragma once
#include "api/mm.h"
#include "types.h"

struct file;

struct vma {
	u64 start, end; /* page aligned, end exclusive */
	u32 prot;
	bool shared;       /* MAP_SHARED of a file: its pages are the file's */
	struct file *file; /* NULL for anonymous memory; a reference is held */
	u64 off;           /* file offset of start; for a special mapping, offset in it */
	u8 special;        /* VMA_VDSO, VMA_VVAR: the kernel's own frames (vdso.c), 0 otherwise */
	struct vma *next;  /* sorted by start */
};
enum { VMA_VDSO = 1, VMA_VVAR = 2 };

/* One address space, shared by the threads of a process (and by a vfork child until it execs). */
struct mm {
	u32 refs;                /* one per process using it (vdso.c: more than one, no identity answers) */
	u64 root;                /* its PML4 (vmm.c) */
	u16 pcid;
	bool pcid_fresh;         /* not loaded since the PCID was given to it */
	struct vma *vmas;
	u64 brk_start, brk;
	u64 load_bias;           /* added to the program's link-time addresses (PIE) */
	u64 arg_start, arg_end;  /* the argument strings on the first stack (/proc/PID/cmdline) */
	u64 auxv_at, auxv_len;   /* the auxiliary vector on the first stack (a crash's core file) */
	u32 membarrier;          /* membarrier(2) registrations, which belong to the address space */
	u64 ids_frame;           /* its identity page (vdso/ids.h), 0 before execve maps the vDSO */
	u64 ids_gen;             /* the vdso_ids_gen its identity page was written at */
};

/* An empty address space (the kernel half only); NULL if out of memory. */
struct mm *mm_new(void);
void mm_get(struct mm *mm);
/* Drops a reference; the last one frees every page, region and page table. */
void mm_put(struct mm *mm);
/* The address space of the running thread. */
struct mm *mm_current(void);
/* Loads mm's page table (a switch to a thread of another process). */
void mm_switch(struct mm *mm);
/* Reads another process's memory (pages it has touched): the bytes read from addr. */
long mm_read(struct mm *mm, u64 addr, void *buf, u64 len);
/* fork: a copy of mm whose private pages are shared copy-on-write; NULL if out of memory. */
struct mm *mm_fork(struct mm *mm);

struct vma *vma_find(struct mm *mm, u64 addr);
bool vma_range_free(struct mm *mm, u64 start, u64 end);
/* Maps [start,end) with prot, replacing whatever was there. False when out of memory. */
bool vma_map(struct mm *mm, u64 start, u64 end, u32 prot);
/* The same for a file mapping from offset off. */
bool vma_map_file(struct mm *mm, u64 start, u64 end, u32 prot, struct file *f, u64 off, bool shared);
/* False (nothing unmapped) when a mapping cut in two needs memory there is not. */
bool vma_unmap(struct mm *mm, u64 start, u64 end);
bool vma_protect(struct mm *mm, u64 start, u64 end, u32 prot); /* false if part of the range is unmapped */
/* Moves the pages of [old, old+len) to new (new range must be free). */
bool vma_move(struct mm *mm, u64 old, u64 len, u64 new_start);
/* Highest free, page-aligned range of len bytes below MMAP_TOP; 0 if none. */
u64 vma_find_free(struct mm *mm, u64 len);
/* Backs the page holding addr if the VMA allows the access: FAULT_BAD when it does not, FAULT_OOM
 * when no frame is left for the app (the kernel's reserve is not touched). */
enum fault { FAULT_OK, FAULT_BAD, FAULT_OOM };
enum fault vma_fault_page(struct mm *mm, u64 addr, bool write, bool exec);
/* The same for a fault the app took (or the kernel on its behalf): out of memory, the process is
 * killed (SIGKILL, with the log line Linux's OOM killer would write). True when the page is there. */
bool vma_fault(struct mm *mm, u64 addr, bool write, bool exec);
/* MAP_POPULATE: backs every page of [start,end) the mappings allow; false when memory ran out
 * (nothing is killed: the caller unmaps and fails with ENOMEM). */
bool vma_populate(struct mm *mm, u64 start, u64 end, bool write);
/* Drops the pages of [start,end): anonymous ones read as zero again, file ones as the file. */
void vma_discard(struct mm *mm, u64 start, u64 end);
u64 prot_to_pte(u32 prot);
