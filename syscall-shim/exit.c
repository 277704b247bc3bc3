/* Ending and waiting: exit (the thread), exit_group (the process), wait4 and waitid for children
 * that ended. Stopped and continued children are never reported: processes are not stopped. */
#include "errno.h"
#include "process.h"
#include "rusage.h"
#include "syscalls.h"
#include "uaccess.h"

#define WUNTRACED 0x2
#define WCONTINUED 0x8
#define __WNOTHREAD 0x20000000

long sys_exit(int status) { thread_exit((status & 0xff) << 8); }

long sys_exit_group(int status) { proc_exit((status & 0xff) << 8); }

long sys_wait4(int pid, u64 stat_addr, int options, u64 ru)
{
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (pid == (int)0x80000000)
		return -ESRCH; /* -pid would overflow, as Linux */
	int idtype = pid > 0 ? P_PID : pid == -1 ? P_ALL : P_PGID;
	struct wait_result w;
	long r = proc_wait(idtype, pid < -1 ? -pid : pid > 0 ? pid : 0, options | WEXITED, &w);
	if (r <= 0)
		return r;
	if (stat_addr && copy_to_user(stat_addr, &w.status, sizeof(w.status)))
		return -EFAULT;
	if (ru && put_rusage(ru, w.cpu_ns + w.children_cpu_ns, true))
		return -EFAULT;
	return r;
}

long sys_waitid(int which, int pid, u64 infop, int options, u64 ru)
{
	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL))
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	if (which != P_ALL && which != P_PID && which != P_PGID)
		return -EINVAL; /* P_PIDFD: there are no pidfds */
	if ((which == P_PID && pid <= 0) || pid < 0)
		return -EINVAL;
	struct wait_result w = { 0 };
	long r = proc_wait(which, which == P_ALL ? 0 : pid, options, &w);
	if (r < 0)
		return r;
	/* with WNOHANG and no child ended, si_pid and si_signo read 0 */
	struct siginfo_k info = { .signo = r ? SIGCHLD : 0, .code = r ? w.code : 0 };
	info.child.pid = w.pid;
	info.child.uid = w.uid;
	info.child.status = w.si_status;
	if (infop && copy_to_user(infop, &info, sizeof(info)))
		return -EFAULT;
	if (r && ru && put_rusage(ru, w.cpu_ns + w.children_cpu_ns, true))
		return -EFAULT;
	return 0;
}
