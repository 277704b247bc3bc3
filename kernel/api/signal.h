/* Signals as the Linux ABI sees them: numbers, flags, siginfo, sigaction and sigaltstack layouts;
 * the pending queues and dispositions of processes and threads; sending and taking signals. */
#pragma once
#include "types.h"

#define NSIG 64

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGWINCH 28
#define SIGSYS 31

#define SIG_DFL 0
#define SIG_IGN 1

#define SA_NOCLDSTOP 0x00000001UL
#define SA_NOCLDWAIT 0x00000002UL
#define SA_SIGINFO 0x00000004UL
#define SA_RESTORER 0x04000000UL
#define SA_ONSTACK 0x08000000UL
#define SA_RESTART 0x10000000UL
#define SA_NODEFER 0x40000000UL
#define SA_RESETHAND 0x80000000UL

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1 << 31)
#define MINSIGSTKSZ 2048

/* si_code values */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define BUS_ADRALN 1
#define TRAP_BRKPT 1
#define TRAP_TRACE 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

static inline u64 sigbit(int sig) { return 1UL << (sig - 1); }
#define UNBLOCKABLE (sigbit(SIGKILL) | sigbit(SIGSTOP))

/* Linux's siginfo_t: 128 bytes; the union starts at offset 16. */
struct siginfo_k {
	i32 signo, errno_, code, pad;
	union {
		struct { i32 pid; u32 uid; u64 value; } kill; /* SI_USER, SI_TKILL, SI_QUEUE */
		struct { u64 addr; } fault;
		struct { i32 pid; u32 uid; i32 status, pad; i64 utime, stime; } child; /* SIGCHLD */
		u8 bytes[112];
	};
};

struct sigaction_k {
	u64 handler, flags, restorer, mask;
};

struct stack_k {
	u64 sp;
	i32 flags, pad;
	u64 size;
};

#define SIGQUEUE_LEN 32 /* real-time signals queued per queue (Linux's RLIMIT_SIGPENDING is larger) */

/* One queued signal. */
struct sigpending_k {
	struct sigpending_k *next;
	struct siginfo_k info;
};

/* Pending signals of a thread or of a process: standard signals (1-31) coalesce to one instance,
 * real-time ones queue in arrival order. */
struct sigqueue_k {
	u64 set;                          /* one bit per signal with at least one queued instance */
	struct sigpending_k *first, *last;
	int nqueued;                      /* real-time instances */
};

/* Dispositions: shared by the threads of a process (and by processes made with CLONE_SIGHAND). */
struct sighand {
	u32 refs;
	struct sigaction_k actions[NSIG];
};

/* Per thread: the mask, signals sent to the thread (tgkill, faults), the alternate stack. */
struct sigthread {
	u64 blocked;
	u64 saved_mask;  /* rt_sigsuspend: the mask to put back once a handler frame is built */
	bool restore_mask;
	struct stack_k altstack; /* size 0: disabled */
	struct sigqueue_k own;
};

struct thread;
struct proc;
struct regs;

const char *signal_name(int sig);

/* Whether p ignores sig (SIG_IGN, or SIG_DFL for a signal ignored by default). */
bool signal_ignored(const struct proc *p, int sig);
/* Queues a signal for process p (any thread not blocking it takes it) or for one thread; false
 * when the queue is full (real-time signals only). SIGKILL ends the process. A thread sleeping
 * interruptibly that can take the signal wakes up. */
bool signal_send(struct proc *p, const struct siginfo_k *info);
bool signal_send_thread(struct thread *t, const struct siginfo_k *info);
/* Removes the current thread's lowest pending signal in set (its own first); false if none. */
bool signal_dequeue(u64 set, struct siginfo_k *out);
/* After rt_sigaction: drops the pending instances of sig if it is now ignored. */
void signal_action_changed(int sig);
/* rt_sigreturn: restores the interrupted context from the frame; returns its rax. */
long signal_return(struct regs *r);
/* sigaltstack: reads the settings as seen from user stack pointer sp; sets them. */
bool signal_on_altstack(u64 sp);
void signal_get_altstack(u64 sp, struct stack_k *out);
long signal_set_altstack(u64 sp, const struct stack_k *ss); /* 0 or -errno */
