/* The vDSO: code the kernel maps into every process (kernel/vdso.c) that answers the time calls in
 * ring 3, without entering the kernel, from the TSC and the data page just below it (vvar.h).
 * Compiled position-independent, without libc, into a small ELF shared object (vdso.lds) with
 * Linux's symbol names and version (LINUX_2.6), so glibc, musl and Go find it unchanged.
 * It runs in the app's address space with the app's privileges: it reads only its own pages.
 * A clock it cannot answer (the CPU-time clocks, an unknown id) goes to the real syscall, as
 * Linux's vDSO does; the kernel lets that syscall through whatever the allowlist says. */
#include <stdint.h>
#include "vvar.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7 /* the VM never suspends: the same as CLOCK_MONOTONIC */
#define SYS_gettimeofday 96
#define SYS_clock_gettime 228
#define SYS_clock_getres 229
#define NS 1000000000UL

struct vdso_timespec {
	int64_t sec, nsec;
};
struct vdso_timeval {
	int64_t sec, usec;
};
struct vdso_timezone {
	int32_t minuteswest, dsttime;
};

/* The data page, one page below this object's first byte (vdso.lds). */
extern const struct vdso_time vvar_time __attribute__((visibility("hidden")));

static long syscall2(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
	return ret;
}

static uint64_t rdtsc_ordered(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* CLOCK_MONOTONIC in ns, and (when real is not NULL) CLOCK_REALTIME, from one consistent reading. */
static uint64_t monotonic_ns(uint64_t *real)
{
	const volatile struct vdso_time *t = &vvar_time;
	for (;;) {
		uint32_t seq = t->seq;
		if (seq & 1) {
			__asm__ volatile("pause");
			continue;
		}
		__asm__ volatile("" : : : "memory");
		uint64_t tsc_base = t->tsc_base, mult = t->mult, mono_base = t->mono_base, offset = t->real_offset;
		uint32_t shift = t->shift;
		uint64_t tsc = rdtsc_ordered();
		__asm__ volatile("" : : : "memory");
		if (t->seq != seq)
			continue;
		uint64_t ns = vdso_time_ns(tsc, tsc_base, mult, shift, mono_base);
		if (real)
			*real = ns + offset;
		return ns;
	}
}

static int answered(int clk)
{
	return clk == CLOCK_REALTIME || clk == CLOCK_MONOTONIC || clk == CLOCK_MONOTONIC_RAW || clk == CLOCK_REALTIME_COARSE ||
	       clk == CLOCK_MONOTONIC_COARSE || clk == CLOCK_BOOTTIME;
}

int __vdso_clock_gettime(int clk, struct vdso_timespec *ts)
{
	if (!answered(clk))
		return (int)syscall2(SYS_clock_gettime, clk, (long)ts);
	uint64_t real, mono = monotonic_ns(&real);
	uint64_t ns = clk == CLOCK_REALTIME || clk == CLOCK_REALTIME_COARSE ? real : mono;
	ts->sec = (int64_t)(ns / NS);
	ts->nsec = (int64_t)(ns % NS);
	return 0;
}

int __vdso_gettimeofday(struct vdso_timeval *tv, struct vdso_timezone *tz)
{
	if (tv) {
		uint64_t real;
		monotonic_ns(&real);
		tv->sec = (int64_t)(real / NS);
		tv->usec = (int64_t)(real % NS / 1000);
	}
	if (tz) { /* the kernel's time zone is UTC */
		tz->minuteswest = 0;
		tz->dsttime = 0;
	}
	return 0;
}

int64_t __vdso_time(int64_t *t)
{
	uint64_t real;
	monotonic_ns(&real);
	int64_t sec = (int64_t)(real / NS);
	if (t)
		*t = sec;
	return sec;
}

/* The clocks answered here count in ns, as the syscall says. */
int __vdso_clock_getres(int clk, struct vdso_timespec *res)
{
	if (!answered(clk))
		return (int)syscall2(SYS_clock_getres, clk, (long)res);
	if (res) {
		res->sec = 0;
		res->nsec = 1;
	}
	return 0;
}

/* One vCPU, one node (the getcpu syscall says the same). */
long __vdso_getcpu(unsigned *cpu, unsigned *node, void *cache)
{
	(void)cache;
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}

/* The names without the prefix, which Linux's vDSO also exports. */
int clock_gettime(int, struct vdso_timespec *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct vdso_timeval *, struct vdso_timezone *) __attribute__((weak, alias("__vdso_gettimeofday")));
int64_t time(int64_t *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct vdso_timespec *) __attribute__((weak, alias("__vdso_clock_getres")));
long getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
