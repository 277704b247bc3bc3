/* Loads an ELF64 x86-64 program: ET_EXEC at its addresses, ET_DYN (PIE) at a random base. Each
 * PT_LOAD becomes a VMA with its own protection, filled from the file, bss zeroed. A program with
 * PT_INTERP also gets its loader (ld.so, read through the VFS) mapped at a random base below the
 * mmap area; the app is entered through the loader, which maps the libraries itself. */
#include "elf.h"
#include "clock.h"
#include "errno.h"
#include "fs.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "vma.h"

#define ET_EXEC 2
#define ET_DYN 3
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PF_X 1
#define PF_W 2
#define PF_R 4
#define PIE_BASE 0x555555554000UL
#define MAX_PHNUM 64
#define INTERP_MAX 256

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

/* Where an ELF file's bytes come from: memory (the app, in place in the initrd) or a VFS file. */
struct source {
	const char *what; /* for messages: "the app" or the loader's path */
	const u8 *data;
	struct file *f;
	u64 size;
};

/* One ELF file's headers and extent; lives in a page frame (too big for the kernel stack). */
struct object {
	struct ehdr eh;
	struct phdr ph[MAX_PHNUM];
	u64 lo, hi, align; /* link-time extent of the PT_LOADs, largest sane alignment */
	char interp[INTERP_MAX];
};

static long bad(const struct source *s, const char *why)
{
	kerr("cannot run the app: %s: %s", s->what, why);
	return -ENOEXEC;
}

/* Reads exactly len bytes at off; false when the range is outside the file or the read fails. */
static bool src_read(const struct source *s, void *buf, u64 len, u64 off)
{
	if (off > s->size || len > s->size - off)
		return false;
	if (!s->f) {
		memcpy(buf, s->data + off, len);
		return true;
	}
	while (len) {
		long n = vfs_pread(s->f, buf, len, off);
		if (n <= 0)
			return false;
		buf = (u8 *)buf + n;
		len -= (u64)n;
		off += (u64)n;
	}
	return true;
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

/* Validates the ELF header and program headers, and finds the extent and PT_INTERP. */
static long read_headers(const struct source *s, struct object *o)
{
	const struct ehdr *eh = &o->eh;
	if (!src_read(s, &o->eh, sizeof(o->eh), 0) || memcmp(eh->ident, "\177ELF", 4))
		return bad(s, "not an ELF file");
	if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != 62)
		return bad(s, "not an x86-64 ELF64 little-endian file");
	if (eh->type != ET_EXEC && eh->type != ET_DYN)
		return bad(s, "not an executable (ET_EXEC or ET_DYN)");
	if (eh->phentsize != sizeof(struct phdr) || eh->phnum > MAX_PHNUM ||
	    !src_read(s, o->ph, eh->phnum * sizeof(struct phdr), eh->phoff))
		return bad(s, "program headers out of range");
	o->lo = ~0UL;
	o->hi = 0;
	o->align = PAGE_SIZE;
	o->interp[0] = 0;
	for (int i = 0; i < eh->phnum; i++) {
		const struct phdr *ph = &o->ph[i];
		if (ph->type == PT_INTERP) {
			if (ph->filesz < 2 || ph->filesz > INTERP_MAX || !src_read(s, o->interp, ph->filesz, ph->offset) ||
			    o->interp[ph->filesz - 1] || strlen(o->interp) != ph->filesz - 1)
				return bad(s, "bad PT_INTERP (the loader's path)");
		}
		if (ph->type != PT_LOAD)
			continue;
		if (ph->offset > s->size || ph->filesz > s->size - ph->offset || ph->filesz > ph->memsz ||
		    ph->vaddr + ph->memsz < ph->vaddr)
			return bad(s, "segment out of file range");
		o->lo = MIN(o->lo, ph->vaddr);
		o->hi = MAX(o->hi, ph->vaddr + ph->memsz);
		if (ph->align > o->align && ph->align <= 0x200000 && !(ph->align & (ph->align - 1)))
			o->align = ph->align;
	}
	if (o->hi == 0)
		return bad(s, "no loadable segment");
	return 0;
}

/* Maps one PT_LOAD at bias and copies its file bytes. */
static long load_segment(const struct source *s, const struct phdr *ph, u64 bias)
{
	u64 start = ALIGN_DOWN(ph->vaddr + bias, PAGE_SIZE);
	u64 end = ALIGN_UP(ph->vaddr + bias + ph->memsz, PAGE_SIZE);
	if (end > USER_TOP || end <= start || start < MMAP_BOTTOM)
		return bad(s, "segment outside user space");
	struct mm *mm = mm_current();
	if (!vma_range_free(mm, start, end))
		return bad(s, "segments overlap");
	if (!vma_map(mm, start, end, prot_of(ph->flags)))
		return -ENOMEM;
	u64 flags = prot_to_pte(prot_of(ph->flags));
	u64 file_start = ph->vaddr + bias, file_end = file_start + ph->filesz;
	for (u64 va = start; va < end; va += PAGE_SIZE) {
		/* each frame is written once: the file's bytes, zeros around them (bss, page ends) */
		u64 pa = pmm_alloc_uninit();
		if (!pa) {
			kerr("out of memory loading the app (raise the VM's memory)");
			return -ENOMEM;
		}
		u8 *page = phys_to_virt(pa);
		u64 lo = MAX(va, file_start), hi = MIN(va + PAGE_SIZE, file_end);
		if (lo >= hi) {
			memset(page, 0, PAGE_SIZE);
		} else {
			memset(page, 0, lo - va);
			memset(page + (hi - va), 0, va + PAGE_SIZE - hi);
		}
		if (lo < hi && !src_read(s, page + (lo - va), hi - lo, ph->offset + (lo - file_start))) {
			pmm_free(pa);
			return bad(s, "cannot read a segment");
		}
		if (!vmm_map(mm->root, va, pa, flags)) {
			pmm_free(pa);
			return -ENOMEM;
		}
	}
	return 0;
}

/* Maps every PT_LOAD of o at bias. */
static long map_object(const struct source *s, const struct object *o, u64 bias)
{
	for (int i = 0; i < o->eh.phnum; i++) {
		if (o->ph[i].type != PT_LOAD)
			continue;
		long err = load_segment(s, &o->ph[i], bias);
		if (err)
			return err;
	}
	return 0;
}

/* The user address of the program header table once loaded (PT_PHDR, else the PT_LOAD holding it). */
static u64 phdr_address(const struct object *o, u64 bias)
{
	for (int i = 0; i < o->eh.phnum; i++)
		if (o->ph[i].type == PT_PHDR)
			return o->ph[i].vaddr + bias;
	for (int i = 0; i < o->eh.phnum; i++) {
		const struct phdr *ph = &o->ph[i];
		if (ph->type == PT_LOAD && o->eh.phoff >= ph->offset && o->eh.phoff < ph->offset + ph->filesz)
			return ph->vaddr + (o->eh.phoff - ph->offset) + bias;
	}
	return 0;
}

/* The app's bias: none for ET_EXEC, a Linux-like randomized base for PIE. */
static u64 app_bias(const struct object *o)
{
	if (o->eh.type == ET_EXEC)
		return 0;
	return ALIGN_DOWN(PIE_BASE + ((entropy_u64() & 0xffff) << 12), o->align) - ALIGN_DOWN(o->lo, PAGE_SIZE);
}

/* The loader's bias: like a first mmap on Linux, below the top of the mmap area, here with a random
 * gap of up to 64 MiB (the libraries it maps then go right below or above it). */
static u64 interp_bias(const struct object *o)
{
	if (o->eh.type == ET_EXEC)
		return 0;
	u64 lo = ALIGN_DOWN(o->lo, PAGE_SIZE), span = ALIGN_UP(o->hi, PAGE_SIZE) - lo;
	u64 gap = (entropy_u64() & 0x3fff) << 12;
	if (span + gap + o->align < MMAP_TOP - MMAP_BOTTOM) {
		u64 start = ALIGN_DOWN(MMAP_TOP - gap - span, o->align);
		if (vma_range_free(mm_current(), start, start + span))
			return start - lo;
	}
	u64 free = vma_find_free(mm_current(), span + o->align);
	return free ? ALIGN_UP(free, o->align) - lo : 0;
}

/* Opens and maps the loader named by the app's PT_INTERP; sets out->entry and out->interp_base. */
static long load_interp(const char *path, struct object *o, struct exec_image *out)
{
	struct source s = { .what = path };
	long err = vfs_open(path, O_RDONLY, 0, &s.f);
	if (err) {
		kerr("cannot run the app: its loader %s is not in the image (error %ld)", path, -err);
		return err;
	}
	s.size = vfs_size(s.f);
	err = read_headers(&s, o);
	if (!err && o->interp[0])
		err = bad(&s, "the loader asks for a loader itself");
	u64 bias = err ? 0 : interp_bias(o);
	if (!err)
		err = map_object(&s, o, bias);
	vfs_close(s.f);
	if (err)
		return err;
	out->entry = o->eh.entry + bias;
	out->interp_base = ALIGN_DOWN(o->lo, PAGE_SIZE) + bias;
	kinfo("loader %s at %lx", path, out->interp_base);
	return 0;
}

static long load(const struct source *app, struct object *o, struct object *io, struct exec_image *out)
{
	long err = read_headers(app, o);
	if (err)
		return err;
	u64 bias = app_bias(o);
	err = map_object(app, o, bias);
	if (err)
		return err;
	out->phdr = phdr_address(o, bias);
	out->phnum = o->eh.phnum;
	out->bias = bias;
	out->brk_start = ALIGN_UP(o->hi + bias, PAGE_SIZE);
	out->app_entry = out->entry = o->eh.entry + bias;
	out->interp_base = 0;
	return o->interp[0] ? load_interp(o->interp, io, out) : 0;
}

long elf_load(const u8 *data, u64 size, struct exec_image *out)
{
	const struct source app = { .what = "the app", .data = data, .size = size };
	u64 pa = pmm_alloc(), ipa = pmm_alloc();
	_Static_assert(sizeof(struct object) <= PAGE_SIZE, "struct object fits a frame");
	long err = -ENOMEM;
	if (pa && ipa)
		err = load(&app, phys_to_virt(pa), phys_to_virt(ipa), out);
	else
		kerr("out of memory loading the app (raise the VM's memory)");
	if (pa)
		pmm_free(pa);
	if (ipa)
		pmm_free(ipa);
	return err;
}
