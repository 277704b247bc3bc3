/* Threads: one kernel stack each (the user registers sit at its top while the thread is in the
 * kernel), saved FPU/SSE/AVX state, FS/GS bases, per-thread signal state, and the process they
 * belong to. A process's first thread has the process's pid as its tid. */
#pragma once
#include "cpu.h"
#include "signal.h"
#include "types.h"

#define MAX_THREADS 1024 /* in the whole machine */

enum thread_state { T_RUNNING, T_RUNNABLE, T_BLOCKED, T_DEAD };

/* Why a blocked thread woke up (sched_block's result). */
enum wake_reason { WAKE_NONE, WAKE_UP, WAKE_TIMEOUT, WAKE_SIGNAL };

struct waitq;
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

/* The first thread of the first process, on the boot kernel stack; it becomes current. */
struct thread *thread_boot(struct proc *p, int tid);
/* A new thread of p with the given tid, returning to user mode with regs (copied); it inherits the
 * caller's signal mask, FS/GS bases and FPU registers. NULL when out of memory or threads. */
struct thread *thread_create(struct proc *p, int tid, const struct regs *regs);
/* Ends the calling thread (exit(2); wait_status as for proc_exit): its process ends when it was
 * the last one (proc.c). */
NORETURN void thread_exit(int wait_status);
/* A live thread by tid, or NULL. */
struct thread *thread_find(int tid);
/* The slot table: index i may be NULL or hold a dead thread. */
struct thread *thread_at(int i);

/* The FPU/SSE/AVX registers to and from t's image (switches, clone). */
void thread_fpu_save(struct thread *t);
void thread_fpu_load(struct thread *t);

static inline struct regs *thread_regs(struct thread *t) { return (struct regs *)t->kstack_top - 1; }

/* entry.S */
void switch_stacks(u64 *save_ksp, u64 new_ksp);
extern char thread_first_return[];
