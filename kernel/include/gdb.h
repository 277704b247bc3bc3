/* `ukify run --gdb`: the kernel tells the debugger where it placed each ELF file (kernel/gdb.c). */
#pragma once
#include "types.h"

struct file;

extern bool gdb_on; /* the command line's `gdb` */

/* The ELF file at guest path `path` was mapped with load bias `bias` (execve: the program, its loader). */
void gdb_mapped(const char *path, u64 bias);
/* A file mapping made by mmap, [start, end) from file offset off: an ELF file's first page is
 * reported, and every page of an ELF file is faulted in at once (below). */
void gdb_mmap(struct file *f, u64 start, u64 end, u64 off);
/* Faults in the readable pages of [start, end) of the current process now: a breakpoint on code
 * that is not yet there would be hit twice (before the fetch's page fault, and after it). */
void gdb_populate(u64 start, u64 end);
/* A process is about to run a new program from entry (its first user instruction). */
void gdb_exec(const char *path, u64 entry);
