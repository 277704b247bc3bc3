/* Process groups and sessions (setpgid, setsid and their getters), by Linux's rules. The first
 * process leads group 1 and session 1, whose controlling terminal is the console. */
#include "creds.h"
#include "errno.h"
#include "process.h"
#include "syscalls.h"

/* The live process pid names (0: the caller), or NULL. */
static struct proc *named(int pid)
{
	struct proc *p = pid ? proc_find(pid) : proc_current();
	return p && p->state == PROC_ALIVE ? p : NULL;
}

long sys_getpgrp(void) { return proc_current()->pgid; }

long sys_getpgid(int pid)
{
	struct proc *p = named(pid);
	return p ? p->pgid : -ESRCH;
}

long sys_getsid(int pid)
{
	struct proc *p = named(pid);
	return p ? p->sid : -ESRCH;
}

/* A new session and group led by the caller; EPERM when a group with its pid already exists. */
long sys_setsid(void)
{
	struct proc *self = proc_current();
	for (struct proc *p = proc_first(); p; p = p->next)
		if (p->pgid == self->pid)
			return -EPERM;
	self->pgid = self->sid = self->pid;
	return self->sid;
}

/* The caller or one of its children joins (or leads) a group of the caller's session. */
long sys_setpgid(int pid, int pgid)
{
	struct proc *self = proc_current();
	if (pgid < 0)
		return -EINVAL;
	struct proc *p = named(pid);
	if (!p || (p != self && p->parent != self))
		return -ESRCH;
	if (!pgid)
		pgid = p->pid;
	if (p != self) {
		if (p->sid != self->sid)
			return -EPERM;
		if (p->did_exec)
			return -EACCES;
	}
	if (p->sid == p->pid)
		return -EPERM; /* a session leader stays in its group */
	if (pgid != p->pid && !proc_group_in_session(pgid, self->sid))
		return -EPERM;
	p->pgid = pgid;
	return 0;
}
