/* Loading the app's ELF image (and its PT_INTERP loader) into user space. */
#pragma once
#include "types.h"

struct exec_image {
	u64 entry;       /* where the app starts running: the loader's entry, or the app's own */
	u64 app_entry;   /* the app's entry (AT_ENTRY) */
	u64 interp_base; /* the loader's load address (AT_BASE), 0 for a static program */
	u64 phdr, phnum; /* the app's program headers in user memory (AT_PHDR, AT_PHNUM) */
	u64 bias, brk_start;
};

/* Loads the app from data (and its loader from the VFS): 0 or -errno; the reason is logged. */
long elf_load(const u8 *data, u64 size, struct exec_image *out);
/* Builds the initial stack (argc, argv, envp, auxv) like Linux; returns the stack pointer or 0. */
u64 exec_build_stack(const struct exec_image *img, int argc, const char **argv, int envc, const char **envp,
		     const char *execfn);
