/* copy_file_range between two regular files of the ramfs, through a kernel buffer, with Linux's
 * checks (vfs_copy_file_range, generic_copy_file_checks) in Linux's order. */
#include "errno.h"
#include "fd.h"
#include "lib.h"
#include "syscalls.h"
#include "uaccess.h"
#include "vfs.h"

#define EOVERFLOW 75

/* The offset to use: *uoff when given, else the file's own. */
static long start_at(struct file *f, u64 uoff, i64 *pos)
{
	if (!uoff) {
		*pos = (i64)f->off;
		return 0;
	}
	return copy_from_user(pos, uoff, sizeof(*pos));
}

/* Moves the offset used past the bytes copied: *uoff when given, else the file's own. */
static long advance(struct file *f, u64 uoff, i64 pos)
{
	if (uoff)
		return copy_to_user(uoff, &pos, sizeof(pos));
	f->off = (u64)pos;
	return 0;
}

static long checks(struct file *in, struct file *out, i64 pos_in, i64 pos_out, u64 *len)
{
	struct kstat si, so;
	vfs_getattr(in->ino, &si);
	vfs_getattr(out->ino, &so);
	if (S_ISDIR(si.mode) || S_ISDIR(so.mode))
		return -EISDIR;
	if (!vfs_is_data_file(in->ino) || !vfs_is_data_file(out->ino))
		return -EINVAL;
	if ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY || (out->flags & O_APPEND))
		return -EBADF;
	/* a negative offset counts as a wrap (Linux 6.x) */
	if (pos_in < 0 || pos_out < 0 || (u64)pos_in + *len < (u64)pos_in || (u64)pos_out + *len < (u64)pos_out)
		return -EOVERFLOW;
	u64 size = si.size; /* shortened to the end of the input */
	*len = (u64)pos_in >= size ? 0 : MIN(*len, size - (u64)pos_in);
	if (in->ino == out->ino && (u64)pos_out + *len > (u64)pos_in && (u64)pos_out < (u64)pos_in + *len)
		return -EINVAL; /* overlapping ranges of one file */
	return 0;
}

long sys_copy_file_range(int fd_in, u64 uoff_in, int fd_out, u64 uoff_out, u64 len, unsigned flags)
{
	struct file *in = fd_get(fd_in), *out = fd_get(fd_out);
	if (!in || !out || (in->flags & O_PATH) || (out->flags & O_PATH))
		return -EBADF;
	i64 pos_in, pos_out;
	if (start_at(in, uoff_in, &pos_in) || start_at(out, uoff_out, &pos_out))
		return -EFAULT;
	if (flags)
		return -EINVAL;
	long err = checks(in, out, pos_in, pos_out, &len);
	if (err || !len)
		return err;
	u8 *buf = (u8 *)pathbuf_get(); /* one frame */
	if (!buf)
		return -ENOMEM;
	u64 done = 0;
	while (done < len) {
		long n = file_read(in, buf, MIN(len - done, (u64)PATH_MAX), (u64)pos_in + done);
		if (n > 0)
			n = file_write(out, buf, (u64)n, (u64)pos_out + done);
		if (n <= 0) {
			err = n;
			break;
		}
		done += (u64)n;
	}
	pathbuf_put((char *)buf);
	if (!done)
		return err;
	if (advance(in, uoff_in, pos_in + (i64)done) || advance(out, uoff_out, pos_out + (i64)done))
		return -EFAULT;
	return (long)done;
}
