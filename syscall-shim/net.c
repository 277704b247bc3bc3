/* The socket calls: descriptors and the app's addresses, options and message headers in and out
 * of the socket layer (kernel/net/); sendfile, which also serves files and pipes. */
#include "errno.h"
#include "sigpipe.h"
#include "fd.h"
#include "lib.h"
#include "mm.h"
#include "socket.h"
#include "syscalls.h"
#include "uaccess.h"
#include "vfs.h"

#define IOV_MAX 1024
#define OPT_MAX 64
#define SOCKADDR_MAX 128 /* sizeof(struct sockaddr_storage): Linux's limit on an address's length */

static long socket_fd(int fd, struct sock **out)
{
	struct file *f = fd_get(fd);
	if (!f)
		return -EBADF;
	*out = sock_of(f);
	return *out ? 0 : -ENOTSOCK;
}

/* The blocking calls hold the socket's file (a reference) until they return: another thread's
 * close of the descriptor then leaves the socket alive under them, as on Linux. */
static long hold_socket(int fd, struct file **f, struct sock **s)
{
	long err = socket_fd(fd, s);
	if (err)
		return err;
	*f = fd_get(fd);
	file_get(*f);
	return 0;
}

static long release(struct file *f, long result)
{
	file_put(f);
	return result;
}

static long install(struct file *f, bool cloexec)
{
	long fd = fd_install(f, 0, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_socket(int domain, int type, int protocol)
{
	struct file *f = NULL;
	long err = sock_create(domain, type, protocol, &f);
	return err ? err : install(f, type & SOCK_CLOEXEC);
}

long sys_socketpair(int domain, int type, int protocol, u64 usv)
{
	if (!user_range_ok(usv, 2 * sizeof(int), true))
		return -EFAULT;
	struct file *a, *b;
	long err = sock_pair(domain, type, protocol, &a, &b);
	if (err)
		return err;
	bool cloexec = type & SOCK_CLOEXEC;
	long fa = install(a, cloexec);
	if (fa < 0) {
		file_put(b);
		return fa;
	}
	long fb = install(b, cloexec);
	if (fb < 0) {
		fd_close(fa);
		return fb;
	}
	int fds[2] = { (int)fa, (int)fb };
	return copy_to_user(usv, fds, sizeof(fds)); /* the range was checked: 0 */
}

/* An address from the app: its bytes (at most a sockaddr_un's 110) and its length; the socket
 * layer checks them against its family. */
static long addr_in(u64 uaddr, int len, struct sockaddr_k *a)
{
	if (len < 0 || len > SOCKADDR_MAX)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->len = (u32)len;
	return copy_from_user(&a->un, uaddr, MIN((u64)len, sizeof(a->un)));
}

/* An address to the app: as much as fits, and the full size in *ulen (as Linux). */
static long addr_out(u64 uaddr, u64 ulen, const struct sockaddr_k *a)
{
	if (!uaddr)
		return 0;
	i32 len;
	if (copy_from_user(&len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	i32 full = (i32)a->len;
	if (copy_to_user(uaddr, &a->un, (size_t)MIN(len, full)))
		return -EFAULT;
	return copy_to_user(ulen, &full, sizeof(full));
}

long sys_bind(int fd, u64 uaddr, int len)
{
	struct sock *s;
	struct sockaddr_k a;
	long err = socket_fd(fd, &s);
	if (!err)
		err = addr_in(uaddr, len, &a);
	return err ? err : sock_bind(s, &a);
}

long sys_listen(int fd, int backlog)
{
	struct sock *s;
	long err = socket_fd(fd, &s);
	return err ? err : sock_listen(s, backlog);
}

static long accept_on(struct file *lf, struct sock *s, u64 uaddr, u64 ulen, int flags)
{
	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (uaddr && !user_range_ok(ulen, 4, true))
		return -EFAULT;
	struct file *f;
	struct sockaddr_k peer;
	long err = sock_accept(s, lf->flags & O_NONBLOCK, flags & SOCK_NONBLOCK ? O_NONBLOCK : 0, &f, &peer);
	if (err)
		return err;
	long nfd = install(f, flags & SOCK_CLOEXEC);
	if (nfd >= 0 && addr_out(uaddr, ulen, &peer)) {
		fd_close(nfd);
		return -EFAULT;
	}
	return nfd;
}

long sys_accept4(int fd, u64 uaddr, u64 ulen, int flags)
{
	struct file *f;
	struct sock *s;
	long err = hold_socket(fd, &f, &s);
	return err ? err : release(f, accept_on(f, s, uaddr, ulen, flags));
}

long sys_accept(int fd, u64 uaddr, u64 ulen) { return sys_accept4(fd, uaddr, ulen, 0); }

long sys_connect(int fd, u64 uaddr, int len)
{
	struct file *f;
	struct sock *s;
	struct sockaddr_k a;
	long err = hold_socket(fd, &f, &s);
	if (err)
		return err;
	err = addr_in(uaddr, len, &a);
	return release(f, err ? err : sock_connect(s, &a, f->flags & O_NONBLOCK));
}

static long name(int fd, u64 uaddr, u64 ulen, bool peer)
{
	struct sock *s;
	struct sockaddr_k a;
	long err = socket_fd(fd, &s);
	if (!err)
		err = sock_name(s, peer, &a);
	return err ? err : addr_out(uaddr, ulen, &a) ? -EFAULT : 0;
}

long sys_getsockname(int fd, u64 uaddr, u64 ulen) { return name(fd, uaddr, ulen, false); }
long sys_getpeername(int fd, u64 uaddr, u64 ulen) { return name(fd, uaddr, ulen, true); }

long sys_shutdown(int fd, int how)
{
	struct sock *s;
	long err = socket_fd(fd, &s);
	return err ? err : sock_shutdown(s, how);
}

long sys_setsockopt(int fd, int level, int optname, u64 uval, int len)
{
	struct sock *s;
	u8 val[OPT_MAX];
	long err = socket_fd(fd, &s);
	if (err)
		return err;
	if (len < 0)
		return -EINVAL;
	u32 n = (u32)MIN((u64)len, sizeof(val));
	if (copy_from_user(val, uval, n))
		return -EFAULT;
	return sock_setopt(s, level, optname, val, n);
}

long sys_getsockopt(int fd, int level, int optname, u64 uval, u64 ulen)
{
	struct sock *s;
	u8 val[OPT_MAX];
	i32 len;
	long err = socket_fd(fd, &s);
	if (err)
		return err;
	if (copy_from_user(&len, ulen, sizeof(len)))
		return -EFAULT;
	if (len < 0)
		return -EINVAL;
	u32 n = (u32)MIN((u32)len, sizeof(val));
	err = sock_getopt(s, level, optname, val, &n);
	if (err)
		return err;
	if (copy_to_user(uval, val, n) || copy_to_user(ulen, &n, sizeof(n)))
		return -EFAULT;
	return 0;
}

static long sendto_on(struct file *f, struct sock *s, u64 buf, u64 len, unsigned flags, u64 uaddr, int alen)
{
	struct sockaddr_k a;
	long err = uaddr ? addr_in(uaddr, alen, &a) : 0;
	if (err)
		return err;
	if (!user_range_ok(buf, len, false))
		return -EFAULT;
	return sock_send(s, (const u8 *)buf, len, flags, uaddr ? &a : NULL, f->flags & O_NONBLOCK);
}

long sys_sendto(int fd, u64 buf, u64 len, unsigned flags, u64 uaddr, int alen)
{
	struct file *f;
	struct sock *s;
	long err = hold_socket(fd, &f, &s);
	err = err ? err : release(f, sendto_on(f, s, buf, len, flags, uaddr, alen));
	return flags & MSG_NOSIGNAL ? err : with_sigpipe(err);
}

static long recvfrom_on(struct file *f, struct sock *s, u64 buf, u64 len, unsigned flags, u64 uaddr, u64 ulen)
{
	struct sockaddr_k from;
	if (!user_range_ok(buf, len, true) || (uaddr && !user_range_ok(ulen, 4, true)))
		return -EFAULT;
	memset(&from, 0, sizeof(from));
	long n = sock_recv(s, (u8 *)buf, len, flags, &from, f->flags & O_NONBLOCK);
	if (n >= 0 && uaddr && addr_out(uaddr, ulen, &from))
		return -EFAULT;
	return n;
}

long sys_recvfrom(int fd, u64 buf, u64 len, unsigned flags, u64 uaddr, u64 ulen)
{
	struct file *f;
	struct sock *s;
	long err = hold_socket(fd, &f, &s);
	return err ? err : release(f, recvfrom_on(f, s, buf, len, flags, uaddr, ulen));
}

struct msghdr_k {
	u64 name;
	u32 namelen, pad;
	u64 iov, iovlen, control, controllen;
	i32 flags;
};

struct iovec_k {
	u64 base, len;
};

/* sendmsg and recvmsg: one call per buffer of the vector, stopping at a short one. A datagram
 * is one call: it goes to (or comes from) the first non-empty buffer (see the catalog). */
static long msg_on(struct file *f, struct sock *s, u64 umsg, unsigned flags, bool send)
{
	struct msghdr_k m;
	struct sockaddr_k a;
	long err;
	if (copy_from_user(&m, umsg, sizeof(m)))
		return -EFAULT;
	if (m.iovlen > IOV_MAX)
		return -EMSGSIZE;
	if (send && m.name && (err = addr_in(m.name, (int)m.namelen /* an int in Linux */, &a)))
		return err;
	if (send && m.controllen && sock_is_unix(s))
		return -EOPNOTSUPP; /* SCM_RIGHTS and SCM_CREDENTIALS are not carried: say so, not drop them */
	bool nonblock = f->flags & O_NONBLOCK;
	if (!send)
		memset(&a, 0, sizeof(a));
	long total = 0;
	for (u64 i = 0; i < m.iovlen; i++) {
		struct iovec_k v;
		if (copy_from_user(&v, m.iov + i * sizeof(v), sizeof(v)))
			return total ? total : -EFAULT;
		if (!v.len)
			continue;
		if (!user_range_ok(v.base, v.len, !send))
			return total ? total : -EFAULT;
		long n = send ? sock_send(s, (const u8 *)v.base, v.len, flags, m.name ? &a : NULL, nonblock)
			      : sock_recv(s, (u8 *)v.base, v.len, flags, &a, nonblock);
		if (n < 0)
			return total ? total : n;
		total += n;
		if ((u64)n < v.len || sock_is_datagram(s))
			break;
		flags |= MSG_DONTWAIT; /* later buffers take what is there */
	}
	if (!send) {
		if (m.name) {
			u32 len = MIN(m.namelen, a.len), full = a.len;
			if (copy_to_user(m.name, &a.un, len) || copy_to_user(umsg + 8, &full, 4))
				return -EFAULT;
		}
		u64 zero = 0;
		i32 none = 0;
		if (copy_to_user(umsg + 40, &zero, 8) || copy_to_user(umsg + 48, &none, 4)) /* no control data, no flags */
			return -EFAULT;
	}
	return total;
}

static long msg(int fd, u64 umsg, unsigned flags, bool send)
{
	struct file *f;
	struct sock *s;
	long err = hold_socket(fd, &f, &s);
	return err ? err : release(f, msg_on(f, s, umsg, flags, send));
}

long sys_sendmsg(int fd, u64 umsg, unsigned flags)
{
	long n = msg(fd, umsg, flags, true);
	return flags & MSG_NOSIGNAL ? n : with_sigpipe(n);
}
long sys_recvmsg(int fd, u64 umsg, unsigned flags) { return msg(fd, umsg, flags, false); }

/* sendfile: the file's bytes go to out_fd through a bounce frame (read in place from the initrd
 * or the file's pages); a short write ends it. */
long sys_sendfile(int out_fd, int in_fd, u64 uoff, u64 count)
{
	struct file *out = fd_get(out_fd), *in = fd_get(in_fd);
	if (!out || !in || (in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (!vfs_is_data_file(in->ino) || (out->flags & O_APPEND))
		return -EINVAL;
	u64 pos = in->off;
	if (uoff) {
		i64 o;
		if (copy_from_user(&o, uoff, sizeof(o)))
			return -EFAULT;
		if (o < 0)
			return -EINVAL;
		pos = (u64)o;
	}
	u8 *buf = (u8 *)pathbuf_get(); /* one frame */
	if (!buf)
		return -ENOMEM;
	u64 done = 0;
	long err = 0;
	while (done < count) {
		long got = file_read(in, buf, MIN(count - done, PAGE_SIZE), pos);
		if (got <= 0) {
			err = got;
			break;
		}
		long n = file_write(out, buf, (u64)got, out->off);
		if (n <= 0) {
			err = n;
			break;
		}
		if (file_seekable(out))
			out->off += (u64)n;
		done += (u64)n;
		pos += (u64)n;
		if (n < got)
			break;
	}
	pathbuf_put((char *)buf);
	if (!done && err)
		return with_sigpipe(err);
	if (uoff) {
		i64 o = (i64)pos;
		if (copy_to_user(uoff, &o, sizeof(o)))
			return -EFAULT;
	} else {
		in->off = pos;
	}
	return (long)done;
}
