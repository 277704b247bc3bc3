/* epoll_create*, epoll_ctl, epoll_wait, epoll_pwait*, eventfd*: the descriptors of fs/epoll.c and
 * fs/eventfd.c. */
#include "fd.h"
#include "errno.h"
#include "syscalls.h"
#include "uaccess.h"
#include "vfs.h"
#include "wait.h"

#define EFD_SEMAPHORE 1
#define INT_MAX 0x7fffffff

static long install(long err, struct file *f, bool cloexec)
{
	if (err)
		return err;
	long fd = fd_install(f, 0, cloexec);
	if (fd < 0)
		file_put(f);
	return fd;
}

long sys_epoll_create1(int flags)
{
	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	struct file *f = NULL;
	long err = epoll_new(&f);
	return install(err, f, flags & O_CLOEXEC);
}

long sys_epoll_create(int size)
{
	if (size <= 0)
		return -EINVAL;
	return sys_epoll_create1(0);
}

long sys_epoll_ctl(int epfd, int op, int fd, u64 uevent)
{
	struct file *ep = fd_get(epfd), *target = fd_get(fd);
	struct epoll_event_k ev = { 0, 0 };
	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && copy_from_user(&ev, uevent, sizeof(ev)))
		return -EFAULT;
	if (!ep || !target)
		return -EBADF;
	if (!file_pollable(target))
		return -EPERM;
	if (!is_epoll(ep) || ep == target || is_epoll(target))
		return -EINVAL;
	if ((ev.events & EPOLLEXCLUSIVE) && (op == EPOLL_CTL_MOD || (ev.events & ~(EPOLLEXCLUSIVE | EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET))))
		return -EINVAL;
	return epoll_ctl(ep, op, fd, target, op == EPOLL_CTL_DEL ? NULL : &ev);
}

static long wait_checked(int epfd, u64 uevents, int max, u64 deadline)
{
	if (max <= 0 || max > INT_MAX / (long)sizeof(struct epoll_event_k))
		return -EINVAL;
	if (!user_range_ok(uevents, (u64)max * sizeof(struct epoll_event_k), true))
		return -EFAULT;
	struct file *ep = fd_get(epfd);
	if (!ep)
		return -EBADF;
	if (!is_epoll(ep))
		return -EINVAL;
	return epoll_wait(ep, uevents, max, deadline);
}

long sys_epoll_wait(int epfd, u64 uevents, int max, int timeout_ms)
{
	return wait_checked(epfd, uevents, max, poll_deadline_ms(timeout_ms));
}

static long pwait(int epfd, u64 uevents, int max, u64 deadline, u64 umask, u64 sigsetsize)
{
	u64 old;
	long r = wait_mask_begin(umask, sigsetsize, &old);
	if (r)
		return r;
	r = wait_checked(epfd, uevents, max, deadline);
	wait_mask_end(umask, old, r);
	return r;
}

long sys_epoll_pwait(int epfd, u64 uevents, int max, int timeout_ms, u64 umask, u64 sigsetsize)
{
	return pwait(epfd, uevents, max, poll_deadline_ms(timeout_ms), umask, sigsetsize);
}

long sys_epoll_pwait2(int epfd, u64 uevents, int max, u64 utimeout, u64 umask, u64 sigsetsize)
{
	u64 deadline;
	long err = wait_deadline(utimeout, &deadline);
	return err ? err : pwait(epfd, uevents, max, deadline, umask, sigsetsize);
}

long sys_eventfd2(unsigned initval, int flags)
{
	if (flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	struct file *f = NULL;
	long err = eventfd_new(initval, flags & EFD_SEMAPHORE, flags & O_NONBLOCK, &f);
	return install(err, f, flags & O_CLOEXEC);
}

long sys_eventfd(unsigned initval) { return sys_eventfd2(initval, 0); }
