/* Threads of the app: one kernel stack each (the user registers sit at its top while the thread
 * is in the kernel), saved FPU/SSE/AVX state, FS/GS bases, per-thread signal state. Created by
 * clone/clone3 with CLONE_THREAD; tid 1 is the thread the app started on. */
#pragma once
#include "cpu.h"
#include "signal.h"
#include "types.h"

#define MAX_THREADS 128

enum thread_state { T_RUNNING, T_RUNNABLE, T_BLOCKED, T_DEAD };

/* Why a blocked thread woke up (sched_block's result). */
enum wake_reason { WAKE_NONE, WAKE_UP, WAKE_TIMEOUT, WAKE_SIGNAL };

struct waitq;

struct thread {
	int tid;
	enum thread_state state;
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

/* The app's first thread (tid 1) on the boot kernel stack; made on first use. */
struct thread *thread_boot(void);
/* A new thread sharing everything with the caller, returning to user mode with regs (copied).
 * NULL when out of memory or threads. */
struct thread *thread_create(const struct regs *regs);
/* Ends the calling thread; the app ends with its status when it was the last one. */
NORETURN void thread_exit(int status);
struct thread *thread_find(int tid);
/* The slot table: index i may be NULL or hold a dead thread. */
struct thread *thread_at(int i);
int thread_count(void); /* threads not dead */

/* The FPU/SSE/AVX registers to and from t's image (switches, clone). */
void thread_fpu_save(struct thread *t);
void thread_fpu_load(struct thread *t);

static inline struct regs *thread_regs(struct thread *t) { return (struct regs *)t->kstack_top - 1; }

/* entry.S */
void switch_stacks(u64 *save_ksp, u64 new_ksp);
extern char thread_first_return[];
