/* Processes and threads as the syscalls see them: the state a process owns, its threads, the
 * registers of the syscall being handled, and the kernel's calls that act on them. Parts that
 * clone() can share between processes are separate objects, opaque here: the address space
 * (struct mm), the descriptor table (struct fdtable), the working directory, root and umask
 * (struct fs_context, vfs.h) and the signal dispositions (struct sighand, signal.h). */
#pragma once
#include "sched.h"
#include "signal.h"
#include "types.h"

#define USER_DS 0x23
#define USER_CS 0x2b

/* Saved registers: the layout pushed by entry.S for interrupts, exceptions and syscalls. */
struct regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss;
};
#define VECTOR_SYSCALL 0x100

/* The frame of the syscall being handled: what user mode gets back (handlers may change it). */
extern struct regs *current_regs;

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

#define MAX_THREADS 1024 /* in the whole machine */

enum thread_state { T_RUNNING, T_RUNNABLE, T_BLOCKED, T_DEAD };

struct proc;

struct thread {
	int tid;
	enum thread_state state;
	struct proc *proc;
	struct thread *proc_next; /* the other threads of the process */
	u64 kstack_top;           /* the user frame (struct regs) is right below it */
	u64 ksp;                  /* saved kernel stack pointer while switched out */
	u8 *fpu;                  /* XSAVE/FXSAVE image, 64-byte aligned */
	u64 fs_base, gs_base;
	u64 clear_child_tid, robust_list;
	u64 syscall_nr;           /* of the syscall in progress: a restart needs it */
	/* scheduling and blocking */
	struct thread *run_next;  /* run queue link */
	struct waitq *wq;         /* the queue it sleeps on, or NULL */
	struct thread *wq_prev, *wq_next;
	u64 deadline;             /* monotonic ns when a timed sleep ends; 0: none */
	bool interruptible;
	enum wake_reason wake;
	u64 futex_addr;           /* futex wait: the word and the bitset */
	u32 futex_bitset;
	struct sigthread sig;
};

extern struct thread *current;

/* The process of the running thread. */
struct proc *proc_current(void);
/* A process (alive or zombie) by pid, or NULL. */
struct proc *proc_find(int pid);
/* Every process, newest first (linked through next). */
struct proc *proc_first(void);
/* A live thread by tid, or NULL. */
struct thread *thread_find(int tid);
int pid_alloc(void); /* a free pid (also used as tid), or -EAGAIN */
/* The calling thread's FS or GS base (TLS), loaded now and at each switch to it. */
void thread_set_fs_base(u64 base);
void thread_set_gs_base(u64 base);
/* A new thread of p with the given tid, returning to user mode with regs (copied); it inherits the
 * caller's signal mask, FS/GS bases and FPU registers. NULL when out of memory or threads. */
struct thread *thread_create(struct proc *p, int tid, const struct regs *regs);

/* Ends the calling process with a wait status (exit_group: code << 8; a fatal signal: its number);
 * the other threads end on their way out. The machine powers off when the last process is gone. */
NORETURN void proc_exit(int wait_status);
/* Ends the calling thread (exit(2); wait_status as for proc_exit): its process ends when it was
 * the last one. */
NORETURN void thread_exit(int wait_status);

bool proc_group_in_session(int pgid, int sid); /* a live process of that group and session exists */
/* Sends info to every live process of group pgid; how many there were. */
int proc_signal_group(int pgid, const struct siginfo_k *info);
