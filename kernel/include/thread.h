/* Threads inside the kernel (struct thread is in api/process.h): one kernel stack each (the user
 * registers sit at its top while the thread is in the kernel), saved FPU/SSE/AVX state, FS/GS
 * bases, per-thread signal state, and the process they belong to. A process's first thread has
 * the process's pid as its tid. */
#pragma once
#include "api/process.h"
#include "cpu.h"

/* The first thread of the first process, on the boot kernel stack; it becomes current. */
struct thread *thread_boot(struct proc *p, int tid);
/* The slot table: index i may be NULL or hold a dead thread. */
struct thread *thread_at(int i);
int thread_slot(const struct thread *t); /* t's index in the slot table */

/* The FPU/SSE/AVX registers to and from t's image (switches, clone). */
void thread_fpu_save(struct thread *t);
void thread_fpu_load(struct thread *t);

static inline struct regs *thread_regs(struct thread *t) { return (struct regs *)t->kstack_top - 1; }

/* entry.S */
void switch_stacks(u64 *save_ksp, u64 new_ksp);
extern char thread_start[];
/* A new thread's first steps before user mode (entry.S): CLONE_CHILD_SETTID. */
void thread_started(void);
