/* Loads an ELF64 x86-64 program into the calling process's address space: ET_EXEC at its
 * addresses, ET_DYN (PIE) at a random base. Each PT_LOAD becomes a private mapping of the file
 * (pages copied at first touch, as Linux maps programs) with its own protection; the bss past the
 * file's bytes is anonymous memory. A program with PT_INTERP also gets its loader (ld.so) mapped
 * at a random base below the mmap area; the program is entered through the loader, which maps
 * the libraries itself. Everything that can be wrong with the files is found by elf_prepare,
 * before execve changes anything. */
#include "elf.h"
#include "clock.h"
#include "errno.h"
#include "fs.h"
#include "gdb.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "uaccess.h"
#include "vfs.h"
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

/* One ELF file: its headers and extent, and the open file; it lives in a frame. */
struct object {
	struct file *f;
	u64 size;
	struct ehdr eh;
	struct phdr ph[MAX_PHNUM];
	u64 lo, hi, align; /* link-time extent of the PT_LOADs, largest sane alignment */
	char interp[INTERP_MAX];
};

_Static_assert(sizeof(struct object) <= PAGE_SIZE, "struct object fits a frame");

/* A program and its loader (NULL for a static program), checked. */
struct elf_program {
	struct object *app, *loader;
};

static struct object *new_object(void)
{
	u64 pa = pmm_alloc();
	return pa ? phys_to_virt(pa) : NULL;
}

static void free_object(struct object *o)
{
	if (!o)
		return;
	if (o->f)
		vfs_close(o->f);
	pmm_free(virt_to_phys(o));
}

static long bad(const char *what, const char *why)
{
	kwarn("cannot run %s: %s", what, why);
	return -ENOEXEC;
}

/* Reads exactly len bytes at off; false when the range is outside the file or the read fails. */
static bool read_exact(const struct object *o, void *buf, u64 len, u64 off)
{
	if (off > o->size || len > o->size - off)
		return false;
	while (len) {
		long n = vfs_pread(o->f, buf, len, off);
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
static long read_headers(struct object *o, const char *what)
{
	const struct ehdr *eh = &o->eh;
	if (!read_exact(o, &o->eh, sizeof(o->eh), 0) || memcmp(eh->ident, "\177ELF", 4))
		return -ENOEXEC; /* not ELF: the caller may know another format */
	if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != 62)
		return bad(what, "not an x86-64 ELF64 little-endian file");
	if (eh->type != ET_EXEC && eh->type != ET_DYN)
		return bad(what, "not an executable (ET_EXEC or ET_DYN)");
	if (eh->phentsize != sizeof(struct phdr) || eh->phnum > MAX_PHNUM ||
	    !read_exact(o, o->ph, eh->phnum * sizeof(struct phdr), eh->phoff))
		return bad(what, "program headers out of range");
	o->lo = ~0UL;
	o->hi = 0;
	o->align = PAGE_SIZE;
	o->interp[0] = 0;
	for (int i = 0; i < eh->phnum; i++) {
		const struct phdr *ph = &o->ph[i];
		if (ph->type == PT_INTERP) {
			if (ph->filesz < 2 || ph->filesz > INTERP_MAX || !read_exact(o, o->interp, ph->filesz, ph->offset) ||
			    o->interp[ph->filesz - 1] || strlen(o->interp) != ph->filesz - 1)
				return bad(what, "bad PT_INTERP (the loader's path)");
		}
		if (ph->type != PT_LOAD)
			continue;
		if (ph->offset > o->size || ph->filesz > o->size - ph->offset || ph->filesz > ph->memsz ||
		    ph->vaddr + ph->memsz < ph->vaddr)
			return bad(what, "segment out of file range");
		o->lo = MIN(o->lo, ph->vaddr);
		o->hi = MAX(o->hi, ph->vaddr + ph->memsz);
		if (ph->align > o->align && ph->align <= 0x200000 && !(ph->align & (ph->align - 1)))
			o->align = ph->align;
	}
	if (o->hi == 0)
		return bad(what, "no loadable segment");
	return 0;
}

static long open_object(struct object *o, struct file *f, const char *what)
{
	file_get(f);
	o->f = f;
	o->size = vfs_size(f);
	return read_headers(o, what);
}

long elf_prepare(struct file *f, const char *what, struct elf_program **out)
{
	struct elf_program *prog = kzalloc(sizeof(*prog));
	if (!prog || !(prog->app = new_object())) {
		kfree(prog);
		return -ENOMEM;
	}
	long err = open_object(prog->app, f, what);
	const char *interp = prog->app->interp;
	if (!err && interp[0]) {
		struct file *lf;
		err = vfs_open(interp, O_RDONLY, 0, &lf);
		if (err) {
			kwarn("cannot run %s: its loader %s is not in the image", what, interp);
		} else {
			err = (prog->loader = new_object()) ? open_object(prog->loader, lf, interp) : -ENOMEM;
			vfs_close(lf);
			if (err == -ENOEXEC || (!err && prog->loader->interp[0]))
				err = bad(interp, "the loader is not a loader");
		}
	}
	if (err) {
		elf_release(prog);
		return err;
	}
	*out = prog;
	return 0;
}

void elf_release(struct elf_program *prog)
{
	free_object(prog->app);
	free_object(prog->loader);
	kfree(prog);
}

/* Maps one PT_LOAD at bias: the pages holding file bytes as a private mapping of the file, the
 * zeros after them (bss) as anonymous memory; the file's next bytes in the last page are zeroed. */
static long map_segment(struct mm *mm, const struct object *o, const struct phdr *ph, u64 bias)
{
	u64 start = ALIGN_DOWN(ph->vaddr + bias, PAGE_SIZE);
	u64 end = ALIGN_UP(ph->vaddr + bias + ph->memsz, PAGE_SIZE);
	u64 file_end = ph->vaddr + bias + ph->filesz, file_page_end = ALIGN_UP(file_end, PAGE_SIZE);
	u32 prot = prot_of(ph->flags);
	if (end > USER_TOP || end <= start || start < MMAP_BOTTOM)
		return -ENOEXEC;
	if (!vma_range_free(mm, start, end))
		return -ENOEXEC;
	if ((ph->vaddr - ph->offset) % PAGE_SIZE)
		return -ENOEXEC; /* the file cannot be mapped at that address */
	if (ph->filesz && !vma_map_file(mm, start, file_page_end, prot, o->f, ph->offset - (ph->vaddr + bias - start), false))
		return -ENOMEM;
	u64 anon_start = ph->filesz ? file_page_end : start;
	if (end > anon_start && !vma_map(mm, anon_start, end, prot))
		return -ENOMEM;
	if (ph->filesz && ph->memsz > ph->filesz && file_end < file_page_end) {
		/* a read-only segment with a bss has its last file page written once, before it is sealed */
		if (!(prot & PROT_WRITE))
			vma_protect(mm, start, file_page_end, prot | PROT_WRITE);
		long err = clear_user(file_end, file_page_end - file_end);
		if (!(prot & PROT_WRITE))
			vma_protect(mm, start, file_page_end, prot);
		if (err)
			return -ENOMEM;
	}
	gdb_populate(start, end);
	return 0;
}

static long map_object(struct mm *mm, const struct object *o, u64 bias, const char *what)
{
	for (int i = 0; i < o->eh.phnum; i++) {
		if (o->ph[i].type != PT_LOAD)
			continue;
		long err = map_segment(mm, o, &o->ph[i], bias);
		if (err == -ENOEXEC)
			kwarn("cannot run %s: segments overlap or lie outside user space", what);
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

/* The program's bias: none for ET_EXEC, a Linux-like randomized base for PIE. */
static u64 app_bias(const struct object *o)
{
	if (o->eh.type == ET_EXEC)
		return 0;
	return ALIGN_DOWN(PIE_BASE + ((entropy_u64() & 0xffff) << 12), o->align) - ALIGN_DOWN(o->lo, PAGE_SIZE);
}

/* The loader's bias: like a first mmap on Linux, below the top of the mmap area, here with a random
 * gap of up to 64 MiB (the libraries it maps then go right below or above it). */
static u64 loader_bias(struct mm *mm, const struct object *o)
{
	if (o->eh.type == ET_EXEC)
		return 0;
	u64 lo = ALIGN_DOWN(o->lo, PAGE_SIZE), span = ALIGN_UP(o->hi, PAGE_SIZE) - lo;
	u64 gap = (entropy_u64() & 0x3fff) << 12;
	if (span + gap + o->align < MMAP_TOP - MMAP_BOTTOM) {
		u64 start = ALIGN_DOWN(MMAP_TOP - gap - span, o->align);
		if (vma_range_free(mm, start, start + span))
			return start - lo;
	}
	u64 free = vma_find_free(mm, span + o->align);
	return free ? ALIGN_UP(free, o->align) - lo : 0;
}

long elf_map(struct elf_program *prog, const char *what, struct exec_image *out)
{
	struct mm *mm = mm_current();
	const struct object *app = prog->app, *loader = prog->loader;
	u64 bias = app_bias(app);
	long err = map_object(mm, app, bias, what);
	if (err)
		return err;
	gdb_mapped(what, bias);
	out->phdr = phdr_address(app, bias);
	out->phnum = app->eh.phnum;
	out->bias = bias;
	out->brk_start = ALIGN_UP(app->hi + bias, PAGE_SIZE);
	out->app_entry = out->entry = app->eh.entry + bias;
	out->interp_base = 0;
	if (!loader)
		return 0;
	u64 lbias = loader_bias(mm, loader);
	err = map_object(mm, loader, lbias, app->interp);
	if (err)
		return err;
	out->entry = loader->eh.entry + lbias;
	out->interp_base = ALIGN_DOWN(loader->lo, PAGE_SIZE) + lbias;
	gdb_mapped(app->interp, lbias);
	kinfo("loader %s at %lx", app->interp, out->interp_base);
	return 0;
}
