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

void initrd_unpack(void)
{
	const u8 *p, *end;
	u64 size;
	bundle_initrd(&p, &size);
	end = p + size;
	char *name = pathbuf_get();
	u64 files = 0;
	while (name && p + HEADER_SIZE <= end && !memcmp(p, "070701", 6)) {
		const char *h = (const char *)p;
		u64 mode = hex8(h + 14), mtime = hex8(h + 46), fsize = hex8(h + 54), namesize = hex8(h + 94);
		u64 data_off = ALIGN_UP(HEADER_SIZE + namesize, 4);
		if (namesize == 0 || namesize > PATH_MAX || data_off + fsize > (u64)(end - p))
			break;
		memcpy(name, h + HEADER_SIZE, namesize);
		name[namesize - 1] = 0;
		if (!strcmp(name, "TRAILER!!!"))
			break;
		if (!add_entry(name, (u32)mode, mtime, p + data_off, fsize))
			panic("out of memory unpacking the initrd (at '%s')", name);
		files++;
		p += ALIGN_UP(data_off + fsize, 4);
	}
	pathbuf_put(name);
	kinfo("initrd: %lu entries, %lu bytes", files, size);
}
