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
#define RLIMIT_NOFILE 7
/* RLIMIT_NOFILE as Linux gives its first process (INR_OPEN_CUR, INR_OPEN_MAX); root may raise the
 * hard limit up to NR_FDS (fs.nr_open). */
#define NOFILE_CUR 1024
#define NOFILE_MAX 4096
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
	bool stopped;            /* by a stop signal, until SIGCONT (its threads wait on stop_wait) */
	int stop_signal;
	int wait_report;         /* a stop or continue wait has not reported yet: REPORT_STOPPED/_CONTINUED */
	struct waitq stop_wait;
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
	int pdeath_signal;          /* PR_SET_PDEATHSIG: sent to it when its parent ends */
	bool dumpable;              /* PR_SET_DUMPABLE: recorded (there are no core dumps) */
	bool did_exec;              /* it ran execve: its parent may no longer change its group */
	struct thread *vfork_parent; /* waits (CLONE_VFORK) until this process execs or ends */
	struct thread *execing;     /* the thread running execve, waiting for the others to end */
	struct procfs_dir *procfs;  /* its /proc/PID directory, made when first looked up */
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
	u64 set_child_tid;        /* CLONE_CHILD_SETTID: written as the thread starts */
	bool vfork_waiting;       /* its vfork child has not yet exec'd or ended */
	bool killed;              /* another thread execs: this one ends on its way out of the kernel */
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

/* The first process, the program the user runs: Linux's init, pid 1 (orphans go to it, kill(-1)
 * spares it, the VM's status is its status). */
#define INIT_PID 1

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

/* clone(2) flags the kernel acts on (Linux values). */
#define CSIGNAL 0xffUL
#define CLONE_VM 0x100UL
#define CLONE_FS 0x200UL
#define CLONE_FILES 0x400UL
#define CLONE_SIGHAND 0x800UL
#define CLONE_VFORK 0x4000UL
#define CLONE_PARENT 0x8000UL
#define CLONE_THREAD 0x10000UL
#define CLONE_SYSVSEM 0x40000UL
#define CLONE_SETTLS 0x80000UL
#define CLONE_PARENT_SETTID 0x100000UL
#define CLONE_CHILD_CLEARTID 0x200000UL
#define CLONE_DETACHED 0x400000UL
#define CLONE_CHILD_SETTID 0x1000000UL

/* What clone, clone3, fork and vfork ask for, once the syscall has checked the flags. */
struct clone_request {
	u64 flags;        /* CLONE_* */
	int exit_signal;  /* a new process's signal to its parent when it ends (0: none) */
	u64 stack;        /* the new thread's stack pointer; 0: the caller's */
	u64 tls;          /* CLONE_SETTLS: the new thread's FS base */
	u64 parent_tid;   /* CLONE_PARENT_SETTID: where the caller learns the new id */
	u64 child_tid;    /* CLONE_CHILD_SETTID / CLEARTID: the new thread's word */
};
/* A new thread of the calling process (CLONE_THREAD) or a new process, which returns 0 from the
 * call on the same registers: its tid or pid, or -EAGAIN (no pid or thread left, RLIMIT_NPROC) or
 * -ENOMEM. With CLONE_VFORK the caller waits until the child execs or ends. */
long proc_clone(const struct clone_request *req);

/* execve: the calling process runs the program at path (a `#!` script runs its interpreter) with
 * the app's argv and envp vectors. 0 with the new program's registers in current_regs, or -errno
 * (ENOENT, EACCES, ENOEXEC, E2BIG, EFAULT, ENOMEM) with the old program untouched. */
long proc_execve(const char *path, u64 uargv, u64 uenvp);

/* wait4/waitid: which children (idtype) and how (options), Linux values. */
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define WNOHANG 0x1
#define WUNTRACED 0x2 /* also WSTOPPED */
#define WEXITED 0x4
#define WCONTINUED 0x8
#define REPORT_STOPPED 1
#define REPORT_CONTINUED 2
#define WNOWAIT 0x01000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000
/* An ended child as a wait reports it. */
struct wait_result {
	int pid;
	int status;         /* the wait status: code << 8, or the signal */
	u32 uid;            /* its real user id */
	int code;           /* CLD_EXITED, CLD_KILLED, CLD_STOPPED or CLD_CONTINUED */
	int si_status;      /* the exit code or the signal */
	u64 cpu_ns, children_cpu_ns;
};
/* Waits for an ended child of the calling process matching idtype/id (P_PGID 0: the caller's
 * group; also stopped ones with WUNTRACED, continued ones with WCONTINUED); reaps it unless WNOWAIT. Its pid; 0 with WNOHANG when none has ended yet; -ECHILD when
 * no child matches; -ERESTARTSYS when a signal came first. */
long proc_wait(int idtype, int id, int options, struct wait_result *out);

/* Ends the calling process with a wait status (exit_group: code << 8; a fatal signal: its number);
 * the other threads end on their way out. The machine powers off when the last process is gone. */
NORETURN void proc_exit(int wait_status);
/* Ends the calling thread (exit(2); wait_status as for proc_exit): its process ends when it was
 * the last one. */
NORETURN void thread_exit(int wait_status);

/* The calling process's real or effective user or group id changed (set*uid, set*gid): the
 * vDSO's identity page (kernel/vdso.c) is rewritten before user mode. */
void proc_ids_changed(void);

bool proc_group_in_session(int pgid, int sid); /* a live process of that group and session exists */
/* Sends info to every live process of group pgid; how many there were. */
int proc_signal_group(int pgid, const struct siginfo_k *info);
