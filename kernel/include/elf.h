/* Loading a program's ELF image (and its PT_INTERP loader) into user space (elf.c), and the
 * initial stack Linux builds for it (exec.c). */
#pragma once
#include "types.h"

struct file;

/* The ELF64 file header and program header, as they are in the file. */
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

struct exec_image {
	u64 entry;       /* where the program starts running: the loader's entry, or its own */
	u64 app_entry;   /* the program's entry (AT_ENTRY) */
	u64 interp_base; /* the loader's load address (AT_BASE), 0 for a static program */
	u64 phdr, phnum; /* the program's headers in user memory (AT_PHDR, AT_PHNUM) */
	u64 bias, brk_start;
};

/* A program whose headers (and whose loader's) have been read and checked. */
struct elf_program;
/* Checks f (named what, for messages) and opens its loader: -ENOEXEC when f is not an ELF file at
 * all (nothing logged: it may be a script), -ENOEXEC/-ENOENT (logged) when it cannot run. */
long elf_prepare(struct file *f, const char *what, struct elf_program **out);
/* Maps the program and its loader into the calling process's address space. */
long elf_map(struct elf_program *prog, const char *what, struct exec_image *out);
void elf_release(struct elf_program *prog);
