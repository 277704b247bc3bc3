/* System information and randomness. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
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

long sys_getrandom(u64 buf, u64 len, long flags)
{
	if (flags & ~(long)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
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
