/* Process group and session of the one process (pid 1). It is the leader of both, group 1 and
 * session 1, matching the console's foreground group (TIOCGPGRP); with no other process this never
 * changes, and every call answers as Linux does for a session leader: setsid and setpgid refuse. */
#include "creds.h"
#include "errno.h"

#define SELF 1

static bool is_self(long pid) { return (int)pid == 0 || (int)pid == SELF; }

long sys_getpgrp(void) { return SELF; }
long sys_getpgid(long pid) { return is_self(pid) ? SELF : -ESRCH; }
long sys_getsid(long pid) { return is_self(pid) ? SELF : -ESRCH; }

/* A process group with our pid exists (ours): EPERM, as Linux. */
long sys_setsid(void) { return -EPERM; }

long sys_setpgid(long pid, long pg)
{
	if ((int)pg < 0)
		return -EINVAL;
	if (!is_self(pid))
		return -ESRCH;
	return -EPERM; /* a session leader cannot change its group */
}
