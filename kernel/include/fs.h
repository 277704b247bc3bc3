/* Files: the VFS over a writable ramfs unpacked from the initrd, devices, pipes, /proc and /sys.
 * This is the API for the rest of the kernel (the ELF loader opens and maps libraries through it);
 * the syscalls live in syscall-shim/fs*.c. */
#pragma once
#include "api/fd.h"
#include "types.h"

/* Unpacks the initrd into the ramfs and creates /dev, /proc, /sys and /tmp. Panics when memory
 * runs out. */
void fs_init(void);
/* Opens the console as fds 0-2 of the calling process (the first one). */
void fs_install_console(void);

/* Set (by main, from the kernel option trace_missing) once the app's lookups start: each path not
 * found is logged as "ukify: missing-file PATH" (IMAGE.md). */
extern bool fs_trace_missing;

/* Makes path (a directory) the working directory: 0 or -errno. */
long vfs_chdir(const char *path);

/* Opens path (absolute, or relative to the working directory) like open(2): 0 or -errno. */
long vfs_open(const char *path, int flags, u32 mode, struct file **out);
/* Reads up to len bytes at offset off into a kernel buffer: bytes read or -errno. */
long vfs_pread(struct file *f, void *buf, u64 len, u64 off);
u64 vfs_size(const struct file *f);
/* Drops the reference vfs_open gave. */
void vfs_close(struct file *f);
/* Maps [off, off+len) of f at the page-aligned user address addr, replacing whatever was mapped
 * there (MAP_FIXED): shared mappings see and change the file, private ones get copies made on
 * first touch. 0 or -errno. The mapping keeps the file alive after vfs_close. */
long vfs_mmap(struct file *f, u64 addr, u64 len, u32 prot, bool shared, u64 off);
