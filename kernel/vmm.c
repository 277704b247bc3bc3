/* Page tables. One address space: the app in the lower half (user pages), the kernel in the
 * upper half (supervisor pages): the direct map of RAM, the kernel image with per-section
 * permissions, and device registers. */
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "x86.h"

static u64 *pml4;

extern char __text_start[], __rodata_start[], __data_start[], __kernel_end[];

static u64 *table_of(u64 entry) { return phys_to_virt(entry & PTE_ADDR); }

/* The entry for va at the given level (3 = PML4 ... 0 = PT); creates missing tables. */
static u64 *walk(u64 va, int level, bool create)
{
	u64 *table = pml4;
	for (int l = 3; l > level; l--) {
		u64 *e = &table[(va >> (12 + 9 * l)) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			u64 pa = pmm_alloc();
			if (!pa)
				return NULL;
			/* intermediate entries are permissive; the leaf decides */
			*e = pa | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
		}
		if (*e & PTE_PS)
			return NULL;
		table = table_of(*e);
	}
	return &table[(va >> (12 + 9 * level)) & 511];
}

u64 *vmm_pte(u64 va, bool create) { return walk(va, 0, create); }

bool vmm_map(u64 va, u64 pa, u64 flags)
{
	u64 *e = walk(va, 0, true);
	if (!e)
		return false;
	u64 old = *e;
	*e = pa | flags;
	if (old & PTE_P) /* the TLB never holds a not-present entry: a new mapping needs no flush */
		invlpg(va);
	return true;
}

void vmm_map_mmio(u64 va, u64 pa)
{
	if (!vmm_map(va, pa, PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX))
		panic("out of memory mapping device registers");
}

static void map_kernel_range(const char *start, const char *end, u64 flags)
{
	for (u64 va = (u64)start; va < (u64)end; va += PAGE_SIZE)
		if (!vmm_map(va, va - KERNEL_VBASE, flags))
			panic("out of memory mapping the kernel");
}

void vmm_init(u64 ram_top)
{
	u64 root = pmm_alloc();
	if (!root)
		panic("no memory for page tables");
	pml4 = phys_to_virt(root);
	/* direct map with 2 MiB pages */
	for (u64 pa = 0; pa < ram_top; pa += 0x200000) {
		u64 *e = walk(DIRECT_BASE + pa, 1, true);
		if (!e)
			panic("out of memory building the direct map");
		*e = pa | PTE_P | PTE_W | PTE_PS | PTE_NX;
	}
	map_kernel_range(__text_start, __rodata_start, PTE_P);
	map_kernel_range(__rodata_start, __data_start, PTE_P | PTE_NX);
	map_kernel_range(__data_start, __kernel_end, PTE_P | PTE_W | PTE_NX);
	write_cr3(root);
}
