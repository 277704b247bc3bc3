/* Character devices: /dev/null, zero, full, random, urandom; the console's (tty, console, ttyS0,
 * ttyS1) come from console.c. */
#include "clock.h"
#include "console.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "vfs.h"

#define MKDEV(ma, mi) (((u64)(ma) << 8) | (mi))

static long null_read(struct file *f, u8 *buf, u64 len, u64 off) { (void)f, (void)buf, (void)len, (void)off; return 0; }
static long null_write(struct file *f, const u8 *buf, u64 len, u64 off) { (void)f, (void)buf, (void)off; return (long)len; }
static long full_write(struct file *f, const u8 *buf, u64 len, u64 off) { (void)f, (void)buf, (void)len, (void)off; return -ENOSPC; }

static long zero_read(struct file *f, u8 *buf, u64 len, u64 off)
{
	(void)f, (void)off;
	memset(buf, 0, len);
	return (long)len;
}

static long random_read(struct file *f, u8 *buf, u64 len, u64 off)
{
	(void)f, (void)off;
	for (u64 at = 0; at < len; at += 8) {
		u64 r = entropy_u64();
		memcpy(buf + at, &r, MIN(8UL, len - at));
	}
	return (long)len;
}

static const struct file_ops null_ops = { .read = null_read, .write = null_write, .seekable = true };
static const struct file_ops zero_ops = { .read = zero_read, .write = null_write, .seekable = true };
static const struct file_ops full_ops = { .read = zero_read, .write = full_write, .seekable = true };
static const struct file_ops random_ops = { .read = random_read, .write = null_write };

struct inode *dev_node(u32 mode_bits, u64 rdev, const struct file_ops *ops)
{
	struct inode *ino = inode_new(mode_bits);
	if (!ino)
		panic("out of memory making devices");
	ino->rdev = rdev;
	ino->ops = ops;
	return ino;
}

void dev_add(struct inode *dir, const char *name, struct inode *ino)
{
	if (dir_add(dir, name, strlen(name), ino))
		panic("out of memory making /dev");
}

static void add_link(struct inode *dir, const char *name, const char *target)
{
	struct inode *l = inode_new(S_IFLNK | 0777);
	size_t n = strlen(target);
	if (!l || !(l->lnk.target = kmalloc(n + 1)))
		panic("out of memory making /dev");
	memcpy(l->lnk.target, target, n + 1);
	l->size = n;
	dev_add(dir, name, l);
}

void dev_init(struct inode *dev)
{
	console_init(dev);
	dev_add(dev, "null", dev_node(S_IFCHR | 0666, MKDEV(1, 3), &null_ops));
	dev_add(dev, "zero", dev_node(S_IFCHR | 0666, MKDEV(1, 5), &zero_ops));
	dev_add(dev, "full", dev_node(S_IFCHR | 0666, MKDEV(1, 7), &full_ops));
	dev_add(dev, "random", dev_node(S_IFCHR | 0666, MKDEV(1, 8), &random_ops));
	dev_add(dev, "urandom", dev_node(S_IFCHR | 0666, MKDEV(1, 9), &random_ops));
	add_link(dev, "fd", "/proc/self/fd");
	add_link(dev, "stdin", "/proc/self/fd/0");
	add_link(dev, "stdout", "/proc/self/fd/1");
	add_link(dev, "stderr", "/proc/self/fd/2");
	if (!mkdir_in(dev, "shm", 01777))
		panic("out of memory making /dev/shm");
}
