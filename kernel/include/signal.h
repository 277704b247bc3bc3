/* Signals inside the kernel (api/signal.h has what the syscalls see): dispositions' life cycle,
 * delivery to handlers through a Linux x86-64 rt_sigframe on the user stack on every return to
 * user mode, faults as signals. Dispositions and process-directed signals live in struct proc,
 * the mask and thread-directed signals in each struct thread. */
#pragma once
#include "api/signal.h"
#include "cpu.h"

struct sighand *sighand_new(void); /* every signal at SIG_DFL; NULL if out of memory */
struct sighand *sighand_copy(const struct sighand *from);
void sighand_put(struct sighand *h);
/* execve: caught signals go back to SIG_DFL; ignored ones stay ignored. */
void sighand_reset_caught(struct sighand *h);
void sigqueue_clear(struct sigqueue_k *q);
/* Drops every queued instance of sig in p (its disposition became "ignore"). */
void signal_discard(struct proc *p, int sig);
/* Signals pending for the current thread (its own and the process's) and not blocked. */
u64 signal_deliverable(void);
/* The same for any thread (all of them once its process is ending). */
u64 signal_pending_for(const struct thread *t);
/* On every return to user mode: handler frames for pending unblocked signals, default actions. */
void signal_deliver(struct regs *r);
/* A fault in user mode (vector < 32; cr2 for page faults). */
void signal_fault(struct regs *r, u64 cr2, const char *what);
