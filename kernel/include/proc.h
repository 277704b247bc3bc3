/* Processes: everything a process owns is in its struct proc; its threads (thread.h) point at it.
 * Parts that clone() can share between processes are separate, reference-counted objects: the
 * address space (struct mm, vma.h), the descriptor table (struct fdtable), the working directory,
 * root and umask (struct fs_context) and the signal dispositions (struct sighand). */
#pragma once
#include "cpu.h"
#include "sched.h"
#include "signal.h"
#include "types.h"

#define RLIM_NLIMITS 16
#define NGROUPS 64 /* supplementary groups kept per process (Linux allows 65536) */
#define COMM_LEN 16
#define CAP_ALL ((1UL << 41) - 1) /* CAP_CHOWN .. CAP_CHECKPOINT_RESTORE (40) */
#define RLIM_INFINITY (~0UL)
#define USER_HZ 100 /* clock ticks of times(2) and /proc */

struct rlimit_k { u64 cur, max; };

/* Real, effective, saved and file-system ids. */
struct ids { u32 r, e, s, fs; };

struct cred {
	struct ids uid, gid;
	u64 cap_eff, cap_prm, cap_inh;
	u32 ngroups;
	u32 groups[NGROUPS];
};

/* Scheduling settings: reported back and inherited; one CPU, so they do not change how threads run. */
struct sched_params {
	int nice, policy, rt_priority, ioprio;
	bool reset_on_fork;
};

enum proc_state { PROC_ALIVE, PROC_ZOMBIE };

struct proc {
	int pid;                 /* = the thread group id: the first thread's tid */
	int pgid, sid;
	struct proc *parent;     /* NULL: none (pid 1, or an orphan once pid 1 is gone) */
	struct proc *children;   /* first child; siblings are linked through `sibling` */
	struct proc *sibling;
	struct proc *next;       /* every process, newest first */
	enum proc_state state;
	struct thread *thread_list; /* live threads, linked through proc_next */
	int threads;             /* how many */
	bool exiting;            /* exit_group or a fatal signal: every thread ends on its way out */
	int exit_status;         /* the wait status (exit code << 8, or the signal) once exiting */
	int exit_signal;         /* sent to the parent when it ends (SIGCHLD; 0: none) */
	struct cred cred;
	struct mm *mm;
	struct fdtable *files;
	struct fs_context *fs;
	struct sighand *sighand;
	struct sigqueue_k pending;  /* process-directed signals */
	struct rlimit_k rlimits[RLIM_NLIMITS];
	u64 alarm_at, alarm_every;  /* ITIMER_REAL: monotonic ns of the next SIGALRM (0: off), interval */
	struct sched_params sched;
	u32 personality;
	bool subreaper;             /* PR_SET_CHILD_SUBREAPER: orphaned descendants come here */
	bool did_exec;              /* it ran execve: its parent may no longer change its group */
	char comm[COMM_LEN];
	char *exe;                  /* absolute path of the program (kmalloc'd) */
	struct waitq child_exit;    /* threads in wait4/waitid for a child to change state */
	u64 start_ns, cpu_ns;       /* monotonic time it started; CPU time its threads used */
	u64 children_cpu_ns;        /* CPU time of its reaped children (and theirs) */
};

/* The process of the running thread. */
struct proc *proc_current(void);
/* A process (alive or zombie) by pid, or NULL. */
struct proc *proc_find(int pid);
/* Every process, newest first. */
struct proc *proc_first(void);

/* The first process (pid 1), made at boot before its program is loaded. */
struct proc *proc_init(void);

/* Ends the calling process with a wait status (exit_group: code << 8; a fatal signal: its number);
 * the other threads end on their way out. The machine powers off when the last process is gone. */
NORETURN void proc_exit(int wait_status);
/* proc.c: the table */
int pid_alloc(void);              /* a free pid (also used as tid), or -EAGAIN */
struct proc *proc_alloc(void);    /* a zeroed process in the table, alive; NULL if out of memory */
void proc_free(struct proc *p);   /* out of the table and freed */
/* Sets the program path (/proc/PID/exe) and the command name (its last component, 15 chars). */
void proc_set_exe(struct proc *p, const char *path);
/* "pid N (comm): " to start a log line about p; empty for pid 1, the program the user ran. */
const char *proc_label(const struct proc *p);
bool proc_group_in_session(int pgid, int sid); /* a live process of that group and session exists */
/* Sends info to every live process of group pgid; how many there were. */
int proc_signal_group(int pgid, const struct siginfo_k *info);

/* exit.c */
void proc_made(void);             /* one more live process (proc_alloc) */
/* Makes p end with wait_status: its threads end on their way out of the kernel (sleeps end). */
void proc_kill(struct proc *p, int wait_status);
/* SIGCHLD's siginfo fields for an ended child (si_code, si_pid, si_uid, si_status, times). */
void proc_child_siginfo(const struct proc *c, struct siginfo_k *info);
void proc_unlink_child(struct proc *c);
void proc_reap(struct proc *c);   /* a zombie's end: unlinked from its parent and freed */
/* Every process has ended: TCP drains, the VM powers off with code. */
NORETURN void machine_stop(int code);
/* Called by the last thread of p as it ends: releases what the process holds, then it is a
 * zombie for its parent to reap (or gone). */
void proc_end(struct proc *p);
/* A fault the app cannot handle: logs it with the registers and ends the process with sig. */
NORETURN void proc_fatal_signal(struct regs *r, int sig, const char *what, u64 addr);
