/* Futexes: threads wait on a 32-bit word of the app's memory until another thread wakes them.
 * One address space, so private and shared futexes are the same thing here. */
#pragma once
#include "types.h"

#define FUTEX_BITSET_ANY 0xffffffffU

/* Sleeps while *uaddr == val, until a wake whose bitset meets ours, the deadline (monotonic ns,
 * 0: none) or a signal. 0, -EAGAIN (value differs), -ETIMEDOUT, -EFAULT, -EINTR or -ERESTARTSYS. */
long futex_wait(u64 uaddr, u32 val, u32 bitset, u64 deadline);
/* Wakes up to n waiters on uaddr (at least one, as Linux) whose bitset meets bitset. */
long futex_wake(u64 uaddr, int n, u32 bitset);
/* Wakes up to nwake waiters on uaddr, moves up to nrequeue more to uaddr2; returns the total. */
long futex_requeue(u64 uaddr, int nwake, int nrequeue, u64 uaddr2);
