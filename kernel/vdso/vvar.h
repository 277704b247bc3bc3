/* The vDSO's data page ([vvar]): written by the kernel (clock.c), read by the vDSO (vdso.c) in ring 3,
 * where each process maps it read-only just below the vDSO's code. Both sides include this header:
 * fixed-size types only.
 *
 * Every clock the vDSO answers is a function of the TSC:
 *   monotonic = mono_base + (((tsc - tsc_base) * mult) >> shift)   (128-bit product: never overflows)
 *   realtime  = monotonic + real_offset
 * The kernel computes its own clocks with the same formula from the same fields, so the vDSO and the
 * syscalls give the same nanosecond for the same TSC value. A writer makes seq odd, changes the
 * fields, then makes it even again; a reader retries while seq is odd or changed under it. */
#pragma once
#include <stdint.h>

struct vdso_time {
	uint32_t seq;
	uint32_t shift;
	uint64_t mult;
	uint64_t tsc_base;
	uint64_t mono_base;   /* CLOCK_MONOTONIC at tsc_base, in ns */
	uint64_t real_offset; /* CLOCK_REALTIME less CLOCK_MONOTONIC, in ns */
};

static inline uint64_t vdso_time_ns(uint64_t tsc, uint64_t tsc_base, uint64_t mult, uint32_t shift, uint64_t mono_base)
{
	uint64_t delta = tsc > tsc_base ? tsc - tsc_base : 0;
	return mono_base + (uint64_t)(((unsigned __int128)delta * mult) >> shift);
}
