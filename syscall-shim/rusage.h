/* struct rusage, as getrusage (resource.c) and wait4 (exit.c) write it. */
#pragma once
#include "types.h"

struct rusage_k {
	i64 utime_sec, utime_usec, stime_sec, stime_usec;
	i64 maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals,
	    nvcsw, nivcsw;
};

/* Writes a struct rusage at out: CPU time cpu_ns (all of it user time) and, when resident, the
 * memory in use as the resident set. 0 or -EFAULT. */
long put_rusage(u64 out, u64 cpu_ns, bool resident);
