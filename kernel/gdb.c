/* `ukify run --gdb` (runner/gdb/): with `gdb` on the command line, every ELF file mapped into a
 * process is reported to the debugger by a call to ukify_gdb_mapped(path, bias): the program and
 * its loader as execve maps them, each library as the loader mmaps its first page (file offset 0,
 * ELF magic). The runner's gdb script breaks on that function and loads the file's symbols at the
 * bias (add-symbol-file -o), then continues; it breaks on ukify_gdb_exec once to stop at the
 * first program's first instruction. This file is compiled with -g (kernel/Makefile): the script's
 * process list reads struct proc and struct thread through the types it carries. */
#include "gdb.h"
#include "elf.h"
#include "fs.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "thread.h"
#include "uaccess.h"

bool gdb_on;

/* The types the script's `ukify-ps` walks (emitted into this file's debug information). */
struct proc *ukify_gdb_proc_type;
struct thread *ukify_gdb_thread_type;
struct regs *ukify_gdb_regs_type;

/* Breakpoint targets: never inlined, never merged, never removed. */
__attribute__((noinline, used)) void ukify_gdb_mapped(const char *path, u64 bias, int pid)
{
	__asm__ volatile("" : : "r"(path), "r"(bias), "r"(pid) : "memory");
}

__attribute__((noinline, used)) void ukify_gdb_exec(const char *path, u64 entry, int pid)
{
	__asm__ volatile("" : : "r"(path), "r"(entry), "r"(pid) : "memory");
}

void gdb_mapped(const char *path, u64 bias)
{
	if (!gdb_on)
		return;
	kinfo("gdb: %s mapped with bias %lx", path, bias);
	ukify_gdb_mapped(path, bias, current->proc->pid);
}

void gdb_exec(const char *path, u64 entry)
{
	if (gdb_on)
		ukify_gdb_exec(path, entry, current->proc->pid);
}

void gdb_populate(u64 start, u64 end)
{
	if (gdb_on)
		user_range_ok(start, end - start, false);
}

void gdb_mmap(struct file *f, u64 start, u64 end, u64 off)
{
	struct ehdr eh;
	if (!gdb_on || !f || vfs_pread(f, &eh, sizeof(eh), 0) != (long)sizeof(eh) || memcmp(eh.ident, "\177ELF", 4))
		return;
	gdb_populate(start, end);
	if (off || !f->path || eh.phentsize != sizeof(struct phdr))
		return;
	/* the bias: where the first PT_LOAD went, less its link-time (page) address */
	for (u16 i = 0; i < eh.phnum && i < 64; i++) {
		struct phdr ph;
		if (vfs_pread(f, &ph, sizeof(ph), eh.phoff + (u64)i * sizeof(ph)) != (long)sizeof(ph))
			return;
		if (ph.type == 1) {
			gdb_mapped(f->path, start - ALIGN_DOWN(ph.vaddr, PAGE_SIZE));
			return;
		}
	}
}
