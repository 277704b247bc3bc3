/* Unpacks the cpio "newc" initrd into the ramfs. File contents are not copied: a file reads the
 * initrd in place until a page of it is written (see regfile.c). */
#include "bundle.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "vfs.h"

#define HEADER_SIZE 110

static u64 hex8(const char *s)
{
	u64 v;
	parse_u64(s, 8, 16, &v);
	return v;
}

/* The directory for the parents of path (made as needed), and the last name. */
static struct inode *parent_of(char *path, const char **last)
{
	struct inode *dir = fs_root;
	char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		char *slash = strchr(p, '/');
		if (!slash) {
			*last = p;
			return dir;
		}
		*slash = 0;
		struct inode *next = *p && strcmp(p, ".") ? dir_lookup(dir, p, strlen(p)) : dir;
		if (!next)
			next = mkdir_in(dir, p, 0755);
		*slash = '/';
		if (!next || !S_ISDIR(next->mode))
			return NULL;
		dir = next;
		p = slash + 1;
	}
}

static bool add_entry(char *name, u32 mode, u64 mtime, const u8 *data, u64 size)
{
	const char *last;
	struct inode *dir = parent_of(name, &last);
	if (!dir)
		return false;
	if (!*last || !strcmp(last, "."))
		return true; /* the root itself */
	struct inode *old = dir_lookup(dir, last, strlen(last));
	if (old && S_ISDIR(old->mode) && S_ISDIR(mode)) {
		old->mode = mode;
		return true;
	}
	if (old)
		dir_remove(dir, last, strlen(last)); /* a later entry replaces an earlier one */
	struct inode *ino = inode_new(mode);
	if (!ino)
		return false;
	if (S_ISREG(mode)) {
		ino->reg.backing = data;
		ino->reg.backing_size = ino->size = size;
	} else if (S_ISLNK(mode)) {
		if (size >= 2040 || !(ino->lnk.target = kmalloc(size + 1)))
			return false;
		memcpy(ino->lnk.target, data, size);
		ino->lnk.target[size] = 0;
		ino->size = size;
	} else if (!S_ISDIR(mode)) {
		kfree(ino); /* device nodes, fifos, sockets: /dev is made by the kernel */
		return true;
	}
	ino->atime = ino->mtime = ino->ctime = mtime * 1000000000UL;
	return dir_add(dir, last, strlen(last), ino) == 0;
}

struct cpio_entry {
	u64 mode, mtime, size;
	const u8 *data;
};

/* The entry at *p into e and name (a PATH_MAX buffer), *p moved past it; false at the end. */
static bool next_entry(const u8 **p, const u8 *end, char *name, struct cpio_entry *e)
{
	const char *h = (const char *)*p;
	if (*p + HEADER_SIZE > end || memcmp(h, "070701", 6))
		return false;
	u64 namesize = hex8(h + 94);
	u64 data_off = ALIGN_UP(HEADER_SIZE + namesize, 4);
	*e = (struct cpio_entry){ .mode = hex8(h + 14), .mtime = hex8(h + 46), .size = hex8(h + 54) };
	if (namesize == 0 || namesize > PATH_MAX || data_off + e->size > (u64)(end - *p))
		return false;
	memcpy(name, h + HEADER_SIZE, namesize);
	name[namesize - 1] = 0;
	if (!strcmp(name, "TRAILER!!!"))
		return false;
	e->data = *p + data_off;
	*p += ALIGN_UP(data_off + e->size, 4);
	return true;
}

/* A directory's times as the archive gives them. */
static void date_dir(char *name, u64 mtime)
{
	const char *last;
	struct inode *dir = parent_of(name, &last);
	struct inode *ino = !dir ? NULL : !*last || !strcmp(last, ".") ? dir : dir_lookup(dir, last, strlen(last));
	if (ino && S_ISDIR(ino->mode))
		ino->atime = ino->mtime = ino->ctime = mtime * 1000000000UL;
}

void initrd_unpack(void)
{
	const u8 *start, *p, *end;
	u64 size;
	bundle_initrd(&start, &size);
	end = start + size;
	char *name = pathbuf_get();
	u64 files = 0;
	struct cpio_entry e;
	for (p = start; name && next_entry(&p, end, name, &e); files++)
		if (!add_entry(name, (u32)e.mode, e.mtime, e.data, e.size))
			panic("out of memory unpacking the initrd (at '%s')", name);
	/* Adding to a directory dates it now: as Linux's initramfs, directories get their own times
	 * once everything is in. */
	for (p = start; name && next_entry(&p, end, name, &e);)
		if (S_ISDIR(e.mode))
			date_dir(name, e.mtime);
	pathbuf_put(name);
	kinfo("initrd: %lu entries, %lu bytes", files, size);
}
