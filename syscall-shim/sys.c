/* System information, personality and randomness. */
#include "sched.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "process.h"
#include "syscalls.h"
#include "uaccess.h"

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

struct utsname_k {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

static void set(char *field, const char *s) { memcpy(field, s, strlen(s) + 1); }

long sys_uname(u64 out)
{
	struct utsname_k u;
	memset(&u, 0, sizeof(u));
	set(u.sysname, "Linux");
	set(u.nodename, "ukify");
	set(u.release, "6.1.0-ukify");
	set(u.version, "#1 SMP ukify");
	set(u.machine, "x86_64");
	set(u.domainname, "(none)");
	return copy_to_user(out, &u, sizeof(u));
}

long sys_getrandom(u64 buf, u64 len, unsigned flags)
{
	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	len = MIN(len, 33554431UL);
	if (!user_range_ok(buf, len, true))
		return -EFAULT;
	for (u64 off = 0; off < len; off += 8) {
		u64 r = entropy_u64();
		memcpy((u8 *)buf + off, &r, MIN(8UL, len - off));
	}
	return (long)len;
}

struct sysinfo_k {
	i64 uptime;
	u64 loads[3];
	u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	u16 procs, pad;
	u64 totalhigh, freehigh;
	u32 mem_unit;
};
_Static_assert(sizeof(struct sysinfo_k) == 112, "struct sysinfo of x86-64 Linux");

/* Load averages are not computed: they read 0. */
long sys_sysinfo(u64 out)
{
	u64 ns = clock_monotonic_ns();
	struct sysinfo_k si = { 0 };
	si.uptime = (i64)(ns / 1000000000UL + (ns % 1000000000UL != 0)); /* rounded up, as Linux */
	si.totalram = pmm_total_bytes();
	si.freeram = pmm_free_bytes();
	for (struct proc *p = proc_first(); p; p = p->next)
		si.procs++; /* Linux counts threads; processes are close enough here */
	si.mem_unit = 1;
	return copy_to_user(out, &si, sizeof(si));
}

#define PER_QUERY 0xffffffffu

/* Recorded and reported back; no flag (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC, ...) has an effect. */
long sys_personality(unsigned p)
{
	u32 old = proc_current()->personality;
	if (p != PER_QUERY)
		proc_current()->personality = p;
	return old;
}
