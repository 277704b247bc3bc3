/* clone, fork and vfork: a new thread of the calling process, or a new process that copies (or
 * shares, as the flags say) the caller's address space, descriptors, directories and signal
 * dispositions. Either way the new thread starts with the caller's registers and returns 0. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "proc.h"
#include "sched.h"
#include "thread.h"
#include "uaccess.h"
#include "vdso.h"
#include "vfs.h"
#include "vma.h"

#define RLIMIT_NPROC 6
#define CAP_SYS_ADMIN 21
#define CAP_SYS_RESOURCE 24
#define SCHED_OTHER 0
#define FORK_RESERVE_MIN (2UL << 20)

/* RLIMIT_NPROC counts the processes of the caller's real user; root is not held to it (Linux
 * exempts CAP_SYS_ADMIN and CAP_SYS_RESOURCE). */
static bool over_nproc(const struct proc *self)
{
	u64 caps = self->cred.cap_eff;
	if (caps & ((1UL << CAP_SYS_ADMIN) | (1UL << CAP_SYS_RESOURCE)))
		return false;
	u64 n = 0;
	for (struct proc *p = proc_first(); p; p = p->next)
		n += p->state == PROC_ALIVE && p->cred.uid.r == self->cred.uid.r;
	return n >= self->rlimits[RLIMIT_NPROC].cur;
}

/* The parts clone() may share, shared or copied. */
static bool share_or_copy(struct proc *p, const struct proc *self, u64 flags)
{
	if (flags & CLONE_VM)
		mm_get(p->mm = self->mm);
	else
		p->mm = mm_fork(self->mm);
	if (flags & CLONE_FILES)
		fdtable_get(p->files = self->files);
	else
		p->files = fdtable_copy(self->files);
	if (flags & CLONE_FS)
		fs_context_get(p->fs = self->fs);
	else
		p->fs = fs_context_copy(self->fs);
	if (flags & CLONE_SIGHAND)
		(p->sighand = self->sighand)->refs++;
	else
		p->sighand = sighand_copy(self->sighand);
	return p->mm && p->files && p->fs && p->sighand;
}

/* Undoes a process that never ran. */
static void discard(struct proc *p)
{
	if (p->mm)
		mm_put(p->mm);
	if (p->files)
		fdtable_put(p->files);
	if (p->fs)
		fs_context_put(p->fs);
	if (p->sighand)
		sighand_put(p->sighand);
	proc_discard(p);
}

/* Memory a new process may not take: what the running ones need to go on (to fault their pages in,
 * copy on write, open files), so that a fork bomb meets ENOMEM rather than starving its parent. */
static bool memory_low(void)
{
	u64 reserve = MAX(FORK_RESERVE_MIN, pmm_total_bytes() / 16);
	return pmm_free_bytes() < reserve;
}

/* A new process like the caller, without threads yet; NULL (and *err) when it cannot be made. */
static struct proc *copy_process(u64 flags, int exit_signal, long *err)
{
	struct proc *self = current->proc;
	*err = -EAGAIN;
	if (over_nproc(self))
		return NULL;
	*err = -ENOMEM;
	if (memory_low())
		return NULL;
	struct proc *p = proc_alloc();
	if (!p)
		return NULL;
	*err = -ENOMEM;
	int pid = pid_alloc();
	if (pid < 0) {
		*err = pid;
		proc_discard(p);
		return NULL;
	}
	p->pid = pid;
	p->pgid = self->pgid;
	p->sid = self->sid;
	p->exit_signal = exit_signal;
	p->cred = self->cred;
	memcpy(p->rlimits, self->rlimits, sizeof(p->rlimits));
	p->sched = self->sched;
	if (p->sched.reset_on_fork) {
		p->sched = (struct sched_params){ .nice = MAX(self->sched.nice, 0), .policy = SCHED_OTHER,
						  .ioprio = self->sched.ioprio };
	}
	p->personality = self->personality;
	p->dumpable = self->dumpable;
	if (self->exe)
		proc_set_exe(p, self->exe);
	memcpy(p->comm, self->comm, COMM_LEN);
	p->start_ns = clock_monotonic_ns();
	if (!share_or_copy(p, self, flags)) {
		discard(p);
		return NULL;
	}
	struct proc *parent = (flags & CLONE_PARENT) && self->parent ? self->parent : self;
	p->parent = parent;
	p->sibling = parent->children;
	parent->children = p;
	return p;
}

/* The caller waits until its vfork child execs or ends (proc_vfork_done). */
static void vfork_wait(void)
{
	while (current->vfork_waiting)
		sched_block(NULL, 0, false);
}

void proc_vfork_done(struct proc *p)
{
	struct thread *t = p->vfork_parent;
	if (!t)
		return;
	p->vfork_parent = NULL;
	t->vfork_waiting = false;
	sched_wake(t, WAKE_UP);
}

long proc_clone(const struct clone_request *req)
{
	struct regs r = *current_regs;
	r.rax = 0;
	if (req->stack)
		r.rsp = req->stack;
	long err;
	struct proc *p = current->proc;
	int id;
	if (req->flags & CLONE_THREAD) {
		id = pid_alloc();
		if (id < 0)
			return id;
	} else if (!(p = copy_process(req->flags, req->exit_signal, &err))) {
		return err;
	} else {
		id = p->pid;
	}
	struct thread *t = thread_create(p, id, &r);
	/* as Linux, the alternate signal stack is kept unless the new thread shares the memory */
	if (t && (req->flags & (CLONE_VM | CLONE_VFORK)) != CLONE_VM)
		t->sig.altstack = current->sig.altstack;
	if (!t) {
		if (p != current->proc) {
			proc_unlink_child(p);
			discard(p);
		}
		return -EAGAIN;
	}
	if (req->flags & CLONE_SETTLS)
		t->fs_base = req->tls;
	if (req->flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = req->child_tid;
	if (req->flags & CLONE_CHILD_SETTID)
		t->set_child_tid = req->child_tid;
	vdso_ids_changed(); /* a second thread, or a second process in this address space */
	u32 tid = (u32)id;
	if (req->flags & CLONE_PARENT_SETTID)
		copy_to_user(req->parent_tid, &tid, 4); /* as Linux, a bad address is not an error */
	if ((req->flags & CLONE_VFORK) && p != current->proc) {
		p->vfork_parent = current;
		current->vfork_waiting = true;
		vfork_wait();
	}
	return id;
}
