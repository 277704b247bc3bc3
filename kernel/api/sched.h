/* Scheduling and time as the syscalls see them: the clocks, sleeping and yielding, futexes, the
 * alarm timer of a process, CPU time. One CPU; kernel code is never preempted. */
#pragma once
#include "types.h"

struct thread;
struct proc;

/* Why a blocked thread woke up. */
enum wake_reason { WAKE_NONE, WAKE_UP, WAKE_TIMEOUT, WAKE_SIGNAL };

/* Threads waiting for something, in arrival order. */
struct waitq {
	struct thread *head, *tail;
};

u64 clock_monotonic_ns(void);
u64 clock_realtime_ns(void);
u64 entropy_u64(void); /* hardware RNG, else mixed timer bits */

/* Sleeps until the monotonic clock reaches deadline (0: never) or, when interruptible, a signal
 * the thread does not block is pending. Returns why it woke. */
enum wake_reason sched_sleep(u64 deadline, bool interruptible);
void sched_yield_now(void); /* to the next runnable thread, if any */

/* ITIMER_REAL of the calling process: SIGALRM at the deadline (monotonic ns, 0: off), then every
 * interval ns. */
void sched_set_alarm(u64 deadline, u64 interval);
void sched_get_alarm(u64 *deadline, u64 *interval);
/* The CPU time p's threads have used, in ns (the running one's slice so far included). */
u64 sched_cpu_ns(struct proc *p);

/* Futexes: words of a process's memory that threads wait on. */
#define FUTEX_BITSET_ANY 0xffffffffU
/* Sleeps while *uaddr == val, until a wake whose bitset meets ours, the deadline (monotonic ns,
 * 0: none) or a signal. 0, -EAGAIN (value differs), -ETIMEDOUT, -EFAULT, -EINTR or -ERESTARTSYS. */
long futex_wait(u64 uaddr, u32 val, u32 bitset, u64 deadline);
/* Wakes up to n waiters on uaddr (at least one, as Linux) whose bitset meets bitset. */
long futex_wake(u64 uaddr, int n, u32 bitset);
/* Wakes up to nwake waiters on uaddr, moves up to nrequeue more to uaddr2; returns the total. */
long futex_requeue(u64 uaddr, int nwake, int nrequeue, u64 uaddr2);
