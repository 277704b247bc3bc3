/* What the waiting calls (ppoll, pselect6, epoll_pwait*) share: timeouts as deadlines and the
 * signal mask that holds during the wait. */
#pragma once
#include "types.h"

/* The app's struct timespec at uts as nanoseconds (saturated); EFAULT, or EINVAL when it is not
 * a valid duration (negative, or 10^9 nanoseconds or more). */
long timespec_in(u64 uts, u64 *ns);
/* A struct timespec timeout at utimeout (0: none) as a monotonic deadline (0: none). */
long wait_deadline(u64 utimeout, u64 *deadline);
/* Writes the time left until deadline as a timespec (or a timeval when usec) at uaddr. */
long wait_time_left(u64 uaddr, u64 deadline, bool usec);
/* Installs the mask at umask (0: keep the current one) for the wait; old receives the current mask. */
long wait_mask_begin(u64 umask, u64 sigsetsize, u64 *old);
/* Ends the wait's mask: kept until a handler runs when the call was interrupted (as rt_sigsuspend),
 * put back now otherwise. */
void wait_mask_end(u64 umask, u64 old, long result);
