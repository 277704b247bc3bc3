/* The file system at boot: the root, the initrd's files, /dev, /proc, /sys, /tmp; fds 0-2 of the
 * first process. */
#include "clock.h"
#include "console.h"
#include "lib.h"
#include "log.h"
#include "vfs.h"

void initrd_unpack(void);

static struct inode *ensure_dir(const char *name, u32 mode)
{
	struct inode *d = dir_lookup(fs_root, name, strlen(name));
	if (d && S_ISDIR(d->mode))
		return d;
	if (d)
		dir_remove(fs_root, name, strlen(name));
	if (!(d = mkdir_in(fs_root, name, mode)))
		panic("out of memory making /%s", name);
	return d;
}

void fs_init(void)
{
	u64 t0 = clock_monotonic_ns();
	fs_root = inode_new(S_IFDIR | 0755);
	if (!fs_root)
		panic("out of memory making the root directory");
	fs_root->nlink = 2;
	fs_root->dir.parent = fs_root;
	fs_root->dir.name = "";
	initrd_unpack();
	dev_init(ensure_dir("dev", 0755));
	procfs_init(ensure_dir("proc", 0555), ensure_dir("sys", 0555));
	ensure_dir("tmp", 01777);
	kinfo("fs: ready in %lu us", (clock_monotonic_ns() - t0) / 1000);
}

void fs_install_console(void)
{
	struct file *std[3];
	console_std_files(std);
	for (int fd = 0; fd < 3; fd++)
		fd_install(std[fd], fd, false);
}
