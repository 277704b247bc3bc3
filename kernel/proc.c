/* The process table: pids, lookup, process groups, the first process. Ending and reaping
 * processes: exit.c; creating them: fork.c; replacing their program: exec.c. */
#include "proc.h"
#include "clock.h"
#include "console.h"
#include "errno.h"
#include "fs.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "procfs.h"
#include "run_stats.h"
#include "thread.h"
#include "vfs.h"
#include "vma.h"

#define PID_MAX 32768
#define PID_WRAP 300 /* as Linux, pids wrap around to here: low pids stay with early processes */

static struct proc *procs; /* every process, newest first */
static int last_pid;

struct proc *proc_current(void) { return current->proc; }
struct proc *proc_first(void) { return procs; }

struct proc *proc_find(int pid)
{
	for (struct proc *p = procs; p; p = p->next)
		if (p->pid == pid)
			return p;
	return NULL;
}

/* A pid stays taken while a thread has it as tid, or a process as its pid, group or session. */
static bool pid_taken(int pid)
{
	for (struct proc *p = procs; p; p = p->next)
		if (p->pid == pid || p->pgid == pid || p->sid == pid)
			return true;
	return thread_find(pid) != NULL;
}

int pid_alloc(void)
{
	for (int tries = 0; tries < PID_MAX; tries++) {
		last_pid = last_pid + 1 >= PID_MAX ? PID_WRAP : last_pid + 1;
		if (!pid_taken(last_pid))
			return last_pid;
	}
	return -EAGAIN;
}

struct proc *proc_alloc(void)
{
	struct proc *p = kzalloc(sizeof(*p));
	if (!p)
		return NULL;
	p->next = procs;
	procs = p;
	run_stats.procs++;
	proc_made();
	return p;
}

void proc_free(struct proc *p)
{
	procfs_forget(p);
	struct proc **link = &procs;
	while (*link != p)
		link = &(*link)->next;
	*link = p->next;
	kfree(p->exe);
	kfree(p);
}

void proc_set_exe(struct proc *p, const char *path)
{
	size_t n = strlen(path);
	char *copy = kmalloc(n + 1);
	if (!copy)
		return; /* keeps the old name */
	memcpy(copy, path, n + 1);
	kfree(p->exe);
	p->exe = copy;
}

void proc_set_comm(struct proc *p, const char *path)
{
	const char *base = path;
	for (const char *c = path; *c; c++)
		if (*c == '/')
			base = c + 1;
	memset(p->comm, 0, COMM_LEN);
	memcpy(p->comm, base, MIN(strlen(base), (size_t)COMM_LEN - 1));
}

const char *proc_label(const struct proc *p)
{
	static char label[48];
	if (p->pid == INIT_PID)
		return "";
	snprintf(label, sizeof(label), "pid %d (%s): ", p->pid, p->comm);
	return label;
}

bool proc_group_in_session(int pgid, int sid)
{
	for (struct proc *p = procs; p; p = p->next)
		if (p->state == PROC_ALIVE && p->pgid == pgid && p->sid == sid)
			return true;
	return false;
}

int proc_signal_group(int pgid, const struct siginfo_k *info)
{
	int n = 0;
	for (struct proc *p = procs; p; p = p->next)
		if (p->state == PROC_ALIVE && p->pgid == pgid) {
			signal_send(p, info);
			n++;
		}
	return n;
}

/* The first process: pid 1, leader of its group and session, root with every capability. */
struct proc *proc_init(void)
{
	struct proc *p = proc_alloc();
	if (!p || !(p->mm = mm_new()) || !(p->files = fdtable_new()) || !(p->fs = fs_context_new()) ||
	    !(p->sighand = sighand_new()))
		panic("out of memory making the first process");
	p->pid = p->pgid = p->sid = pid_alloc();
	p->exit_signal = SIGCHLD;
	p->dumpable = true;
	p->cred.cap_eff = p->cred.cap_prm = CAP_ALL;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		p->rlimits[i] = (struct rlimit_k){ RLIM_INFINITY, RLIM_INFINITY };
	p->rlimits[RLIMIT_NOFILE] = (struct rlimit_k){ NOFILE_CUR, NOFILE_MAX };
	p->start_ns = clock_monotonic_ns();
	thread_boot(p, p->pid);
	mm_switch(p->mm);
	fs_install_console();
	console_attach(p->sid, p->pgid);
	return p;
}
