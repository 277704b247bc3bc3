/* Character devices: the console (COM1 in/out, COM2 for stderr), /dev/null, zero, full, random,
 * urandom, tty, console. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "serial.h"
#include "uaccess.h"
#include "vfs.h"

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TIOCGPGRP 0x540f
#define TIOCGWINSZ 0x5413
#define FIONREAD 0x541b
#define MKDEV(ma, mi) (((u64)(ma) << 8) | (mi))

struct termios_k {
	u32 iflag, oflag, cflag, lflag;
	u8 line, cc[19];
};

static bool com1_has_data(void) { return serial_can_read(COM1); }

/* Blocks until at least one byte arrives, then takes what is there (a tty in raw mode). */
static long console_read(struct file *f, u8 *buf, u64 len, u64 off)
{
	(void)off;
	if (!len)
		return 0;
	if (!serial_can_read(COM1) && (f->flags & O_NONBLOCK))
		return -EAGAIN;
	sleep_until(~0UL, com1_has_data);
	u64 n = 0;
	while (n < len && serial_can_read(COM1))
		buf[n++] = serial_read_byte(COM1);
	return (long)n;
}

static long console_write(struct file *f, const u8 *buf, u64 len, u64 off)
{
	(void)off;
	serial_write(f->ino->priv ? COM2 : COM1, buf, len);
	return (long)len;
}

static long console_ioctl(struct file *f, long req, u64 arg)
{
	(void)f;
	switch (req) {
	case TCGETS: {
		struct termios_k t = { 0x500, 0x5, 0xbf, 0x8a3b, 0,
				       { 3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22 } };
		return copy_to_user(arg, &t, sizeof(t));
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct termios_k t;
		return copy_from_user(&t, arg, sizeof(t)); /* accepted, no effect on the serial line */
	}
	case TIOCGWINSZ: {
		u16 ws[4] = { 24, 80, 0, 0 };
		return copy_to_user(arg, ws, sizeof(ws));
	}
	case TIOCGPGRP: {
		i32 pgrp = 1;
		return copy_to_user(arg, &pgrp, sizeof(pgrp));
	}
	default:
		return -ENOTTY;
	}
}

static u64 console_readable(struct file *f)
{
	return !f->ino->priv && serial_can_read(COM1) ? 1 : 0;
}

static const struct file_ops console_ops = {
	.read = console_read, .write = console_write, .ioctl = console_ioctl, .readable = console_readable,
};

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

static struct inode *console_in, *console_err;

static struct inode *chrdev(u32 perm, u64 rdev, const struct file_ops *ops)
{
	struct inode *ino = inode_new(S_IFCHR | perm);
	if (!ino)
		panic("out of memory making devices");
	ino->rdev = rdev;
	ino->ops = ops;
	return ino;
}

static void add(struct inode *dir, const char *name, struct inode *ino)
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
	add(dir, name, l);
}

void dev_init(struct inode *dev)
{
	console_in = chrdev(0620, MKDEV(4, 64), &console_ops);
	console_err = chrdev(0620, MKDEV(4, 65), &console_ops);
	console_err->priv = console_err; /* non-NULL: writes go to COM2 */
	add(dev, "console", console_in);
	add(dev, "tty", chrdev(0666, MKDEV(5, 0), &console_ops));
	add(dev, "ttyS0", console_in);
	add(dev, "ttyS1", console_err);
	add(dev, "null", chrdev(0666, MKDEV(1, 3), &null_ops));
	add(dev, "zero", chrdev(0666, MKDEV(1, 5), &zero_ops));
	add(dev, "full", chrdev(0666, MKDEV(1, 7), &full_ops));
	add(dev, "random", chrdev(0666, MKDEV(1, 8), &random_ops));
	add(dev, "urandom", chrdev(0666, MKDEV(1, 9), &random_ops));
	add_link(dev, "fd", "/proc/self/fd");
	add_link(dev, "stdin", "/proc/self/fd/0");
	add_link(dev, "stdout", "/proc/self/fd/1");
	add_link(dev, "stderr", "/proc/self/fd/2");
	if (!mkdir_in(dev, "shm", 01777))
		panic("out of memory making /dev/shm");
}

struct file *console_file(bool err)
{
	struct file *f = file_new(err ? console_err : console_in, err ? O_WRONLY : O_RDWR, err ? "/dev/ttyS1" : "/dev/ttyS0");
	if (!f)
		panic("out of memory opening the console");
	return f;
}
