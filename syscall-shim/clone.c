/* clone, clone3, fork and vfork: the Linux flags checked (Linux's rules and order), then the kernel
 * makes the thread or the process (proc_clone). Namespaces, pidfds and set_tid are not there. */
#include "errno.h"
#include "mm.h"
#include "process.h"
#include "syscalls.h"
#include "uaccess.h"

#define CLONE_PIDFD 0x1000UL
#define CLONE_PTRACE 0x2000UL
#define CLONE_UNTRACED 0x800000UL
#define CLONE_IO 0x80000000UL
/* the flags acted on, and those accepted without effect: one CPU, no tracer, no System V undo */
#define SUPPORTED (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_VFORK | CLONE_PARENT | CLONE_THREAD | \
		   CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID)
#define IGNORED (CLONE_PTRACE | CLONE_SYSVSEM | CLONE_DETACHED | CLONE_UNTRACED | CLONE_IO)
#define THREAD_SHARES (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND)

struct clone_args_k {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	u64 set_tid, set_tid_size, cgroup;
};
#define CLONE_ARGS_SIZE_VER0 64

static long do_clone(u64 flags, int exit_signal, u64 stack, u64 ptid, u64 ctid, u64 tls)
{
	/* Linux's consistency rules come first */
	if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) || ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
		return -EINVAL;
	if (flags & ~(SUPPORTED | IGNORED))
		return -EINVAL; /* namespaces, pidfds, ... */
	if ((flags & CLONE_THREAD) && (flags & THREAD_SHARES) != THREAD_SHARES)
		return -EINVAL; /* a thread shares its process's files and directories here */
	if ((flags & CLONE_SETTLS) && tls >= USER_TOP)
		return -EPERM;
	if (exit_signal < 0 || exit_signal > NSIG)
		return -EINVAL;
	struct clone_request req = { .flags = flags & SUPPORTED, .exit_signal = flags & CLONE_THREAD ? 0 : exit_signal,
				     .stack = stack, .tls = tls, .parent_tid = ptid, .child_tid = ctid };
	return proc_clone(&req);
}

long sys_clone(u64 flags, u64 stack, u64 ptid, u64 ctid, u64 tls)
{
	return do_clone(flags & ~CSIGNAL, (int)(flags & CSIGNAL), stack, ptid, ctid, tls);
}

long sys_fork(void) { return do_clone(0, SIGCHLD, 0, 0, 0, 0); }
long sys_vfork(void) { return do_clone(CLONE_VM | CLONE_VFORK, SIGCHLD, 0, 0, 0, 0); }

long sys_clone3(u64 uargs, u64 size)
{
	struct clone_args_k a = { 0 };
	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (copy_from_user(&a, uargs, MIN(size, sizeof(a))))
		return -EFAULT;
	for (u64 off = sizeof(a); off < size; off++) {
		u8 b;
		if (copy_from_user(&b, uargs + off, 1))
			return -EFAULT;
		if (b)
			return -E2BIG; /* a newer structure asking for something we do not know */
	}
	if ((a.flags & CSIGNAL) || (a.exit_signal & ~CSIGNAL) || a.set_tid || a.set_tid_size)
		return -EINVAL;
	if ((a.flags & CLONE_THREAD) && a.exit_signal)
		return -EINVAL;
	if (!a.stack != !a.stack_size)
		return -EINVAL;
	return do_clone(a.flags, (int)a.exit_signal, a.stack ? a.stack + a.stack_size : 0, a.parent_tid, a.child_tid, a.tls);
}
