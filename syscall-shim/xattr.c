/* Extended attributes: the ramfs has none, like Linux's ramfs or procfs. After the same checks as
 * Linux (the file, the name, the namespace's rules, flags, sizes), get, set and remove answer
 * EOPNOTSUPP and list answers an empty list, which is what programs such as ls expect of such a
 * file system. */
#include "creds.h"
#include "errno.h"
#include "lib.h"
#include "syscalls.h"
#include "uaccess.h"
#include "vfs.h"

#define XATTR_NAME_MAX 255
#define XATTR_SIZE_MAX 65536
#define XATTR_CREATE 1
#define XATTR_REPLACE 2
#define ACL_HEADER 4 /* struct posix_acl_xattr_header: a version word */
#define ACL_ENTRY 8
#define ENODATA 61

/* The file a path names (following the last symlink or not). */
static long by_path(u64 path, bool follow, struct inode **ino)
{
	return at_lookup_user(AT_FDCWD, path, 0, follow, ino);
}

static long by_fd(int fd, struct inode **ino)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	*ino = f->ino;
	return 0;
}

/* Copies the attribute name: -ERANGE when empty or longer than 255 bytes, as Linux. */
static long read_name(u64 uname, char name[XATTR_NAME_MAX + 1])
{
	long n = string_from_user(name, uname, XATTR_NAME_MAX + 1);
	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? n : 0;
}

static bool prefixed(const char *name, const char *prefix) { return !strncmp(name, prefix, strlen(prefix)); }

/* The namespace rules Linux applies before asking the file system (xattr_permission): trusted.*
 * needs CAP_SYS_ADMIN, user.* exists only on regular files and directories. */
static long permission(struct inode *ino, const char *name, bool write)
{
	struct kstat st;
	vfs_getattr(ino, &st);
	bool denied = prefixed(name, "trusted.") ? !cred_capable(CAP_SYS_ADMIN)
		    : prefixed(name, "user.") && !S_ISREG(st.mode) && !S_ISDIR(st.mode);
	if (denied)
		return write ? -EPERM : -ENODATA;
	return 0;
}

static bool is_acl_name(const char *name)
{
	return !strcmp(name, "system.posix_acl_access") || !strcmp(name, "system.posix_acl_default");
}

/* get and remove: after the checks, no attribute can exist here. */
static long by_name(struct inode *ino, u64 uname, bool write)
{
	char name[XATTR_NAME_MAX + 1];
	long err = read_name(uname, name);
	if (!err)
		err = permission(ino, name, write);
	return err ? err : -EOPNOTSUPP;
}

/* Linux checks the value before it asks the file system: flags, size, readable memory, and for
 * an ACL name the shape of the value (a 4-byte header and 8-byte entries). */
static long set(struct inode *ino, u64 uname, u64 value, u64 size, int flags)
{
	char name[XATTR_NAME_MAX + 1];
	if (flags & ~(XATTR_CREATE | XATTR_REPLACE))
		return -EINVAL;
	long err = read_name(uname, name);
	if (err)
		return err;
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	if (size && !user_range_ok(value, size, false))
		return -EFAULT;
	if (size && is_acl_name(name) && (size < ACL_HEADER || (size - ACL_HEADER) % ACL_ENTRY))
		return -EINVAL;
	err = permission(ino, name, true);
	return err ? err : -EOPNOTSUPP;
}

long sys_getxattr(u64 path, u64 name, u64 value, u64 size)
{
	(void)value, (void)size;
	struct inode *ino;
	long err = by_path(path, true, &ino);
	return err ? err : by_name(ino, name, false);
}

long sys_lgetxattr(u64 path, u64 name, u64 value, u64 size)
{
	(void)value, (void)size;
	struct inode *ino;
	long err = by_path(path, false, &ino);
	return err ? err : by_name(ino, name, false);
}

long sys_fgetxattr(int fd, u64 name, u64 value, u64 size)
{
	(void)value, (void)size;
	struct inode *ino;
	long err = by_fd(fd, &ino);
	return err ? err : by_name(ino, name, false);
}

long sys_setxattr(u64 path, u64 name, u64 value, u64 size, int flags)
{
	struct inode *ino;
	long err = by_path(path, true, &ino);
	return err ? err : set(ino, name, value, size, flags);
}

long sys_lsetxattr(u64 path, u64 name, u64 value, u64 size, int flags)
{
	struct inode *ino;
	long err = by_path(path, false, &ino);
	return err ? err : set(ino, name, value, size, flags);
}

long sys_fsetxattr(int fd, u64 name, u64 value, u64 size, int flags)
{
	struct inode *ino;
	long err = by_fd(fd, &ino);
	return err ? err : set(ino, name, value, size, flags);
}

/* An existing file lists no attribute: 0 bytes. */
long sys_listxattr(u64 path, u64 out, u64 size)
{
	(void)out, (void)size;
	struct inode *ino;
	return by_path(path, true, &ino);
}

long sys_llistxattr(u64 path, u64 out, u64 size)
{
	(void)out, (void)size;
	struct inode *ino;
	return by_path(path, false, &ino);
}

long sys_flistxattr(int fd, u64 out, u64 size)
{
	(void)out, (void)size;
	struct inode *ino;
	return by_fd(fd, &ino);
}

long sys_removexattr(u64 path, u64 name)
{
	struct inode *ino;
	long err = by_path(path, true, &ino);
	return err ? err : by_name(ino, name, true);
}

long sys_lremovexattr(u64 path, u64 name)
{
	struct inode *ino;
	long err = by_path(path, false, &ino);
	return err ? err : by_name(ino, name, true);
}

long sys_fremovexattr(int fd, u64 name)
{
	struct inode *ino;
	long err = by_fd(fd, &ino);
	return err ? err : by_name(ino, name, true);
}
