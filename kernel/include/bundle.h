/* The bundle appended by the packager (IMAGE.md): initrd, argv, env. */
#pragma once
#include "types.h"

struct boot_args {
	int argc, envc;
	const char **argv, **envp;
};

struct file_ref {
	const u8 *data;
	u64 size;
	u32 mode;
	u64 mtime;
};

extern u64 ukify_bundle_paddr;

/* Validates the bundle; false (after logging why) if absent or malformed. */
bool bundle_open(u64 ram_top);
void bundle_extent(u64 *start, u64 *end);
void bundle_args(struct boot_args *out);
/* The cpio archive, in place. */
void bundle_initrd(const u8 **data, u64 *size);
/* Looks a path up in the initrd ("/a/b", "a/b" and "./a/b" are the same file). */
bool initrd_find(const char *path, struct file_ref *out);
