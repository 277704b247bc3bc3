/* Volumes at boot (9p.h): every virtio-9p device is a host directory the runner shares, its mount
 * tag saying where it goes and how: "rw:/guest/dir" or "ro:/guest/dir". The guest directory and
 * the ones above it are made in the ramfs when the image has none; what the image had there is
 * hidden (as a Docker volume hides the image's files). A volume that cannot be mounted stops the
 * VM: the program would otherwise write into memory what it means to keep. */
#include "9p.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "vfs.h"

/* The ramfs directory that will hold the last component of path (made as needed), and that
 * component; NULL when some component is not a directory. */
static struct inode *parent_of(const char *path, const char **last)
{
	struct inode *dir = fs_root;
	const char *p = path;
	for (;;) {
		while (*p == '/')
			p++;
		const char *name = p;
		while (*p && *p != '/')
			p++;
		size_t len = (size_t)(p - name);
		while (*p == '/')
			p++;
		if (!*p) {
			*last = name;
			return len ? dir : NULL;
		}
		if (p9_inode(dir))
			return NULL; /* inside another volume */
		struct inode *next = dir_lookup(dir, name, len);
		if (next && S_ISLNK(next->mode)) {
			char *prefix = pathbuf_get();
			if (!prefix)
				return NULL;
			snprintf(prefix, PATH_MAX, "%.*s", (int)(name + len - path), path);
			long err = path_lookup(fs_root, prefix, LOOKUP_FOLLOW, &next);
			pathbuf_put(prefix);
			if (err)
				return NULL;
		}
		if (!next) {
			char comp[NAME_MAX + 1];
			if (len > NAME_MAX)
				return NULL;
			memcpy(comp, name, len);
			comp[len] = 0;
			next = mkdir_in(dir, comp, 0755);
		}
		if (!next || !S_ISDIR(next->mode))
			return NULL;
		dir = next;
	}
}

static void mount_one(struct p9_dev *d, u32 index)
{
	const char *tag = p9_dev_tag(d);
	bool ro = !strncmp(tag, "ro:", 3);
	if ((!ro && strncmp(tag, "rw:", 3)) || tag[3] != '/') {
		kerr("volume: unknown mount tag '%s' (expected rw:/DIR or ro:/DIR)", tag);
		power_off(125);
	}
	const char *path = tag + 3, *last = "";
	struct inode *parent = parent_of(path, &last);
	char name[NAME_MAX + 1];
	size_t len = strlen(last);
	while (len && last[len - 1] == '/')
		len--;
	if (!parent || !len || len > NAME_MAX || p9_inode(parent)) {
		kerr("volume %s: the guest path cannot be made a directory", path);
		power_off(125);
	}
	memcpy(name, last, len);
	name[len] = 0;
	struct inode *old = dir_lookup(parent, name, len);
	if (old && p9_inode(old)) {
		kerr("volume %s: another volume is mounted there", path);
		power_off(125);
	}
	if (old)
		dir_remove(parent, name, len); /* the image's files there are hidden */
	if (!p9_mount(d, ro, index, parent, name)) {
		kerr("volume %s: cannot be mounted: the VM stops (its writes would be lost)", path);
		power_off(125);
	}
	kinfo("volume: %s mounted (%s)", path, ro ? "read-only" : "read-write");
}

void volumes_init(const char *cmdline)
{
	int n = virtio_9p_init(cmdline);
	for (int i = 0; i < n; i++)
		mount_one(p9_dev_at(i), (u32)i);
}
