/* Loads a static ELF64 x86-64 executable (ET_EXEC, or static-PIE ET_DYN at a random base):
 * each PT_LOAD becomes a VMA with its own protection, filled from the file, bss zeroed. */
#include "elf.h"
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "vma.h"

#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define PIE_BASE 0x555555554000UL

struct ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

static long bad(const char *why)
{
	kerr("cannot run the app: %s", why);
	return -ENOEXEC;
}

static u32 prot_of(u32 pflags)
{
	u32 prot = ((pflags & PF_R) ? PROT_READ : 0) | ((pflags & PF_W) ? PROT_WRITE : 0) |
		   ((pflags & PF_X) ? PROT_EXEC : 0);
	if ((prot & PROT_WRITE) && (prot & PROT_EXEC)) {
		kwarn("segment is writable and executable: mapped without execute");
		prot &= ~(u32)PROT_EXEC;
	}
	return prot;
}

/* Maps one PT_LOAD at bias and copies its file bytes. */
static long load_segment(const u8 *data, const struct phdr *ph, u64 bias)
{
	u64 start = ALIGN_DOWN(ph->vaddr + bias, PAGE_SIZE);
	u64 end = ALIGN_UP(ph->vaddr + bias + ph->memsz, PAGE_SIZE);
	if (end > USER_TOP || end <= start)
		return bad("segment outside user space");
	if (!vma_range_free(start, end))
		return bad("segments overlap");
	if (!vma_map(start, end, prot_of(ph->flags)))
		return -ENOMEM;
	u64 flags = prot_to_pte(prot_of(ph->flags));
	u64 file_start = ph->vaddr + bias, file_end = file_start + ph->filesz;
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		u64 pa = pmm_alloc();
		if (!pa) {
			kerr("out of memory loading the app (raise the VM's memory)");
			return -ENOMEM;
		}
		u64 lo = MAX(va, file_start), hi = MIN(va + PAGE_SIZE, file_end);
		if (lo < hi)
			memcpy((u8 *)phys_to_virt(pa) + (lo - va), data + ph->offset + (lo - file_start), hi - lo);
		if (!vmm_map(va, pa, flags))
			return -ENOMEM;
	}
	return 0;
}

long elf_load(const u8 *data, u64 size, struct exec_image *out)
{
	const struct ehdr *eh = (const struct ehdr *)data;
	if (size < sizeof(*eh) || memcmp(eh->ident, "\177ELF", 4))
		return bad("not an ELF file");
	if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != 62)
		return bad("not an x86-64 ELF64 little-endian file");
	if (eh->type != 2 && eh->type != 3)
		return bad("not an executable (ET_EXEC or ET_DYN)");
	if (eh->phentsize != sizeof(struct phdr) || eh->phoff > size ||
	    (u64)eh->phnum * sizeof(struct phdr) > size - eh->phoff)
		return bad("program headers out of range");
	const struct phdr *ph = (const struct phdr *)(data + eh->phoff);
	u64 lo = ~0UL, hi = 0, align = PAGE_SIZE;
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type == PT_INTERP)
			return bad("dynamically linked programs are not supported yet (link it statically)");
		if (ph[i].type != PT_LOAD)
			continue;
		if (ph[i].offset > size || ph[i].filesz > size - ph[i].offset || ph[i].filesz > ph[i].memsz)
			return bad("segment out of file range");
		lo = MIN(lo, ph[i].vaddr);
		hi = MAX(hi, ph[i].vaddr + ph[i].memsz);
		if (ph[i].align > align && ph[i].align <= 0x200000 && !(ph[i].align & (ph[i].align - 1)))
			align = ph[i].align;
	}
	if (hi == 0)
		return bad("no loadable segment");
	u64 bias = 0;
	if (eh->type == 3) /* static PIE: Linux-like base, randomized */
		bias = ALIGN_DOWN(PIE_BASE + ((entropy_u64() & 0xffff) << 12), align) - ALIGN_DOWN(lo, PAGE_SIZE);
	out->phdr = 0;
	for (int i = 0; i < eh->phnum; i++) {
		if (ph[i].type == PT_LOAD) {
			long err = load_segment(data, &ph[i], bias);
			if (err)
				return err;
			if (!out->phdr && eh->phoff >= ph[i].offset && eh->phoff < ph[i].offset + ph[i].filesz)
				out->phdr = ph[i].vaddr + (eh->phoff - ph[i].offset) + bias;
		}
	}
	for (int i = 0; i < eh->phnum; i++)
		if (ph[i].type == PT_PHDR)
			out->phdr = ph[i].vaddr + bias;
	out->entry = eh->entry + bias;
	out->phnum = eh->phnum;
	out->bias = bias;
	out->brk_start = ALIGN_UP(hi + bias, PAGE_SIZE);
	return 0;
}
