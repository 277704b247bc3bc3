/* Loading the app's ELF image into user space. */
#pragma once
#include "types.h"

struct exec_image {
	u64 entry, phdr, phnum, bias, brk_start;
};

/* 0 or -errno; the reason is logged. */
long elf_load(const u8 *data, u64 size, struct exec_image *out);
/* Builds the initial stack (argc, argv, envp, auxv) like Linux; returns the stack pointer or 0. */
u64 exec_build_stack(const struct exec_image *img, int argc, const char **argv, int envc, const char **envp,
		     const char *execfn);
