/* The scheduler: a round-robin run queue, wait queues, timed sleeps and the idle loop. One CPU;
 * kernel code is never preempted (interrupts are off in the kernel except in the idle loop), the
 * app's threads are preempted by the LAPIC timer in ring 3 every SLICE_NS. */
#pragma once
#include "api/sched.h"
#include "thread.h"
#include "types.h"

#define SLICE_NS 10000000UL

/* Blocks the current thread until it is woken, the monotonic clock reaches deadline (0: never)
 * or, when interruptible, a signal it does not block is pending. Returns why it woke. */
enum wake_reason sched_block(struct waitq *wq, u64 deadline, bool interruptible);
/* Makes a blocked thread runnable with the given reason; false if it was not blocked. */
bool sched_wake(struct thread *t, enum wake_reason why);
/* Wakes up to n threads of wq in arrival order; returns how many. */
int waitq_wake(struct waitq *wq, int n);
/* A signal became pending for t: ends an interruptible sleep. */
void sched_signal_wake(struct thread *t);

void sched_add(struct thread *t);   /* a new thread, runnable */
NORETURN void sched_exit(void);     /* the current thread is dead: run the others */
/* Timer interrupt (vector 32); from_user: the app was running and may be preempted. */
void sched_timer_interrupt(bool from_user);
/* On the way back to user mode: keeps the slice timer armed when others wait to run. */
void sched_before_user(void);

/* Wakes every thread of wq. */
static inline void waitq_wake_all(struct waitq *wq) { waitq_wake(wq, MAX_THREADS); }
