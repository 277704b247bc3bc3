/* Page tables. Each address space has its own PML4: the lower half is the process's (user pages),
 * the upper half is the kernel's and the same in every PML4: its entries point at page tables made
 * once, at boot, in the kernel's own PML4 (the direct map of RAM, the kernel image with
 * per-section permissions, device registers, thread stacks), so a kernel mapping made later is
 * seen by every process. Where the CPU has PCIDs, each address space gets one, so switching
 * between processes keeps the TLB's entries of both. */
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "x86.h"

#define PML4_KERNEL_FIRST 256
#define CR4_PCIDE (1UL << 17)
#define CR3_NOFLUSH (1UL << 63)
#define NPCIDS 4096

static u64 kernel_root; /* physical address of the kernel's PML4 */
static u64 loaded_root; /* the PML4 in CR3 */
static bool sealed;     /* upper-half PML4 entries are fixed: user roots have copied them */
static bool have_pcids;
static u64 pcid_used[NPCIDS / 64]; /* PCID 0 is the kernel root's */
static u16 next_pcid = 1;

extern char __text_start[], __rodata_start[], __data_start[], __kernel_end[];

static u64 *table_of(u64 entry) { return phys_to_virt(entry & PTE_ADDR); }

/* The entry for va at the given level (3 = PML4 ... 0 = PT) under root; creates missing tables. */
static u64 *walk(u64 root, u64 va, int level, bool create)
{
	u64 *table = phys_to_virt(root);
	for (int l = 3; l > level; l--) {
		u64 *e = &table[(va >> (12 + 9 * l)) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			if (l == 3 && va >= USER_TOP && sealed)
				panic("kernel mapping at %lx outside the regions made at boot", va);
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

u64 *vmm_pte(u64 root, u64 va, bool create) { return walk(root, va, 0, create); }

void vmm_flush(u64 root, u64 va)
{
	if (root == loaded_root)
		invlpg(va);
}

bool vmm_map(u64 root, u64 va, u64 pa, u64 flags)
{
	u64 *e = walk(root, va, 0, true);
	if (!e)
		return false;
	u64 old = *e;
	*e = pa | flags;
	if (old & PTE_P) /* the TLB never holds a not-present entry: a new mapping needs no flush */
		vmm_flush(root, va);
	return true;
}

bool vmm_map_kernel(u64 va, u64 pa, u64 flags) { return vmm_map(kernel_root, va, pa, flags); }

void vmm_map_mmio(u64 va, u64 pa)
{
	if (!vmm_map_kernel(va, pa, PTE_P | PTE_W | PTE_PCD | PTE_PWT | PTE_NX))
		panic("out of memory mapping device registers");
}

static void map_kernel_range(const char *start, const char *end, u64 flags)
{
	for (u64 va = (u64)start; va < (u64)end; va += PAGE_SIZE)
		if (!vmm_map_kernel(va, va - KERNEL_VBASE, flags))
			panic("out of memory mapping the kernel");
}

/* Makes the PML4 entry (and its PDPT) covering va, for a region mapped later. */
static void reserve_region(u64 va)
{
	if (!walk(kernel_root, va, 2, true))
		panic("out of memory for the kernel's page tables");
}

void vmm_init(u64 ram_top)
{
	kernel_root = pmm_alloc();
	if (!kernel_root)
		panic("no memory for page tables");
	/* direct map with 2 MiB pages */
	for (u64 pa = 0; pa < ram_top; pa += 0x200000) {
		u64 *e = walk(kernel_root, DIRECT_BASE + pa, 1, true);
		if (!e)
			panic("out of memory building the direct map");
		*e = pa | PTE_P | PTE_W | PTE_PS | PTE_NX;
	}
	map_kernel_range(__text_start, __rodata_start, PTE_P);
	map_kernel_range(__rodata_start, __data_start, PTE_P | PTE_NX);
	map_kernel_range(__data_start, __kernel_end, PTE_P | PTE_W | PTE_NX);
	reserve_region(MMIO_BASE);
	reserve_region(THREAD_AREA);
	reserve_region(EXEC_AREA);
	reserve_region(NET_HEAP_VBASE);
	sealed = true;
	vmm_switch(kernel_root, 0, true);
	/* PCIDs can be turned on only while CR3 names PCID 0 */
	if (cpuid(1, 0).c & (1u << 17)) {
		write_cr4(read_cr4() | CR4_PCIDE);
		have_pcids = true;
		pcid_used[0] = 1;
	}
}

u16 vmm_pcid_alloc(void)
{
	if (!have_pcids)
		return 0;
	for (int tries = 0; tries < NPCIDS; tries++) {
		u16 p = next_pcid;
		next_pcid = next_pcid + 1 == NPCIDS ? 1 : next_pcid + 1;
		if (!(pcid_used[p / 64] & (1UL << (p % 64)))) {
			pcid_used[p / 64] |= 1UL << (p % 64);
			return p;
		}
	}
	return 0; /* shares PCID 0: always switched with a flush */
}

void vmm_pcid_free(u16 pcid)
{
	if (pcid)
		pcid_used[pcid / 64] &= ~(1UL << (pcid % 64));
}

u64 vmm_kernel_root(void) { return kernel_root; }

u64 vmm_new_root(void)
{
	u64 root = pmm_alloc();
	if (!root)
		return 0;
	u64 *dst = phys_to_virt(root), *src = phys_to_virt(kernel_root);
	for (int i = PML4_KERNEL_FIRST; i < 512; i++)
		dst[i] = src[i];
	return root;
}

/* Frees the page tables below entry e at level (the leaves' frames are not freed: the VMAs own them). */
static void free_tables(u64 e, int level)
{
	if (!(e & PTE_P) || (e & PTE_PS))
		return;
	if (level > 1) {
		u64 *t = table_of(e);
		for (int i = 0; i < 512; i++)
			free_tables(t[i], level - 1);
	}
	pmm_free(e & PTE_ADDR);
}

void vmm_free_root(u64 root)
{
	if (root == loaded_root)
		vmm_switch(kernel_root, 0, false);
	u64 *t = phys_to_virt(root);
	for (int i = 0; i < PML4_KERNEL_FIRST; i++)
		free_tables(t[i], 3);
	pmm_free(root);
}

void vmm_switch(u64 root, u16 pcid, bool fresh)
{
	if (root == loaded_root)
		return;
	loaded_root = root;
	/* PCID 0 is shared by the kernel root and any root without a PCID of its own: flushed */
	write_cr3(root | pcid | (have_pcids && pcid && !fresh ? CR3_NOFLUSH : 0));
}

/* Copies a user-half table at level (3: the PML4 ... 0: a page table). */
static bool fork_table(u64 *src, u64 *dst, int level)
{
	for (int i = 0; i < (level == 3 ? PML4_KERNEL_FIRST : 512); i++) {
		u64 e = src[i];
		if (level == 0) {
			if (!(e & (PTE_P | PTE_NONE)))
				continue;
			if (!(e & PTE_FILE)) {
				frame_get(e & PTE_ADDR);
				src[i] = e &= ~PTE_W; /* both copies: the first write makes its own */
			}
			dst[i] = e;
			continue;
		}
		if (!(e & PTE_P))
			continue;
		u64 pa = pmm_alloc();
		if (!pa)
			return false;
		dst[i] = pa | (e & ~PTE_ADDR);
		if (!fork_table(table_of(e), phys_to_virt(pa), level - 1))
			return false;
	}
	return true;
}

bool vmm_fork(u64 from, u64 to)
{
	bool ok = fork_table(phys_to_virt(from), phys_to_virt(to), 3);
	if (from == loaded_root) /* its writable entries became read-only: flush them */
		write_cr3(read_cr3());
	return ok;
}
