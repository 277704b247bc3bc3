/* Physical frames, page tables, the kernel heap (api/mm.h has what the syscalls see). */
#pragma once
#include "api/mm.h"
#include "types.h"

#define KERNEL_VBASE 0xffffffff80000000UL
#define DIRECT_BASE 0xffff888000000000UL /* all RAM, mapped 1:1 from physical 0 */
#define MMIO_BASE 0xffffc00000000000UL   /* device registers */
#define THREAD_AREA 0xffffc90000000000UL /* threads' kernel stacks (thread.c) */
#define EXEC_AREA 0xffffca0000000000UL   /* execve's copy of the arguments (exec.c) */
#define NET_HEAP_VBASE 0xffffd00000000000UL /* lwIP's heap, mapped from frames at net_start */

#define PTE_P (1UL << 0)
#define PTE_W (1UL << 1)
#define PTE_U (1UL << 2)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_PS (1UL << 7)
#define PTE_NONE (1UL << 9) /* software: frame kept but PROT_NONE (P clear) */
#define PTE_FILE (1UL << 10) /* software: the frame is a file's (a file mapping): not counted, not freed */
#define PTE_NX (1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL

static inline void *phys_to_virt(u64 pa) { return (void *)(pa + DIRECT_BASE); }
static inline u64 virt_to_phys(const void *va)
{
	u64 v = (u64)va;
	return v >= KERNEL_VBASE ? v - KERNEL_VBASE : v - DIRECT_BASE;
}

/* pmm.c: 4 KiB frames from the PVH memory map. */
void pmm_add_region(u64 start, u64 end);
/* The RAM the VM was given (QEMU -m), from the memory map; pmm_ram_mib rounds it up to MiB. */
void pmm_set_ram_size(u64 bytes);
u64 pmm_ram_mib(void);
void pmm_reserve(u64 start, u64 end);
/* Before the first allocation: room for a reference count per frame below ram_top. */
void pmm_init_refs(u64 ram_top);
u64 pmm_alloc(void);        /* a zeroed frame, or 0 when memory is exhausted; one reference */
u64 pmm_alloc_uninit(void); /* the same, not zeroed: for callers that write the whole frame */
void pmm_free(u64 pa);      /* whatever its count */
/* The same for the app's pages and file data: 0 once only the kernel's reserve is left. */
u64 pmm_alloc_user(void);
u64 pmm_alloc_user_uninit(void);
/* A zeroed frame for the ramfs's file data: 0 once only the program's share is left. */
u64 pmm_alloc_file(void);
/* References of a frame mapped in user space: the last frame_put frees it. */
void frame_get(u64 pa);
void frame_put(u64 pa);
u32 frame_refs(u64 pa);


/* vmm.c: page tables. A root is the physical address of a PML4. */
void vmm_init(u64 ram_top);
u64 vmm_kernel_root(void);          /* the kernel half only */
u64 vmm_new_root(void);             /* an empty user half and the kernel half; 0 if out of memory */
void vmm_free_root(u64 root);       /* frees its user-half tables (not the pages they map) */
/* Loads root into CR3 (if it is not loaded) with its PCID (0 without PCIDs); fresh: the PCID was
 * just given to this root, stale translations of an earlier owner must go. */
void vmm_switch(u64 root, u16 pcid, bool fresh);
u16 vmm_pcid_alloc(void);           /* 0 when the CPU has no PCIDs (or all are taken) */
void vmm_pcid_free(u16 pcid);
/* fork: copies the user half of from into the empty root to, sharing the frames (counted):
 * private frames become read-only in both for copy-on-write, a file's frames stay as they are.
 * False when out of memory (to then holds what was copied). */
bool vmm_fork(u64 from, u64 to);
u64 *vmm_pte(u64 root, u64 va, bool create); /* the 4 KiB PTE for va, or NULL */
bool vmm_map(u64 root, u64 va, u64 pa, u64 flags);
bool vmm_map_kernel(u64 va, u64 pa, u64 flags);
void vmm_map_mmio(u64 va, u64 pa);
/* After changing a PTE of root: drops va from the TLB when root is loaded. */
void vmm_flush(u64 root, u64 va);


