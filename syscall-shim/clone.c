/* clone and clone3 for threads: the new thread shares memory, files and signal handlers with the
 * caller, starts after the syscall with rax 0 on the stack it was given. There are no processes:
 * clone without CLONE_THREAD returns ENOSYS, and fork and vfork are stubs the catalog declares. */
#include "errno.h"
#include "mm.h"
#include "process.h"
#include "sched.h"
#include "syscalls.h"
#include "uaccess.h"

#define CSIGNAL 0xffUL
#define CLONE_VM 0x100UL
#define CLONE_FS 0x200UL
#define CLONE_FILES 0x400UL
#define CLONE_SIGHAND 0x800UL
#define CLONE_THREAD 0x10000UL
#define CLONE_SYSVSEM 0x40000UL
#define CLONE_SETTLS 0x80000UL
#define CLONE_PARENT_SETTID 0x100000UL
#define CLONE_CHILD_CLEARTID 0x200000UL
#define CLONE_DETACHED 0x400000UL
#define CLONE_CHILD_SETTID 0x1000000UL
#define SHARED (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD)
#define SUPPORTED (SHARED | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | \
		   CLONE_DETACHED | CLONE_CHILD_SETTID)

struct clone_args_k {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	u64 set_tid, set_tid_size, cgroup;
};
#define CLONE_ARGS_SIZE_VER0 64

/* flags without the exit signal; stack 0: the caller's stack pointer */
static long new_thread(u64 flags, u64 stack, u64 ptid, u64 ctid, u64 tls)
{
	/* Linux's consistency rules come first */
	if (((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND)) || ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM)))
		return -EINVAL;
	if (!(flags & CLONE_THREAD))
		return -ENOSYS; /* a new process */
	if ((flags & ~SUPPORTED) || (flags & SHARED) != SHARED)
		return -EINVAL; /* threads with their own files or directory, namespaces, vfork, pidfd, ... */
	if ((flags & CLONE_SETTLS) && tls >= USER_TOP)
		return -EPERM;
	struct regs r = *current_regs;
	r.rax = 0;
	if (stack)
		r.rsp = stack;
	int id = pid_alloc();
	struct thread *t = id < 0 ? NULL : thread_create(proc_current(), id, &r);
	if (!t)
		return -EAGAIN;
	u32 tid = (u32)t->tid;
	if (flags & CLONE_SETTLS)
		t->fs_base = tls;
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = ctid;
	/* as Linux, a bad address here is not an error */
	if (flags & CLONE_PARENT_SETTID)
		copy_to_user(ptid, &tid, 4);
	if (flags & CLONE_CHILD_SETTID)
		copy_to_user(ctid, &tid, 4);
	return t->tid;
}

long sys_clone(u64 flags, u64 stack, u64 ptid, u64 ctid, u64 tls)
{
	return new_thread(flags & ~CSIGNAL, stack, ptid, ctid, tls);
}

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
	return new_thread(a.flags, a.stack ? a.stack + a.stack_size : 0, a.parent_tid, a.child_tid, a.tls);
}
