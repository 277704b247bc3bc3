/* /init of the Linux-guest baseline. Runs /prog with the arguments stored NUL-separated in /args
 * (the kernel command line cannot carry arbitrary bytes), prints how it ended and the guest's uptime
 * around the run, then powers the VM off. The report lines are framed by markers so that the host
 * can tell the program's output from kernel messages on the same serial console. The program gets
 * an empty environment, as under `ukify run` without -e (the HOME=/ and TERM=linux that the kernel
 * gives init would change what a program does, e.g. Python's site module).
 * Built static at bench time; the kernel starts it as PID 1 with /dev/console on fds 0-2. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ARGS 256

static char arg_bytes[65536];
static char *prog_argv[MAX_ARGS + 2];
static char *prog_envp[] = { NULL };

static long long uptime_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* PID 1 must never return (the kernel would panic): every path ends here. */
static _Noreturn void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

/* Fills prog_argv from /args; returns -1 when the file is missing, unreadable, too big or not
 * NUL-terminated (which also keeps strlen below inside the buffer). */
static int load_args(void)
{
	int fd = open("/args", O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t len = read(fd, arg_bytes, sizeof arg_bytes);
	close(fd);
	if (len < 0 || (size_t)len == sizeof arg_bytes || (len > 0 && arg_bytes[len - 1] != '\0'))
		return -1;
	int argc = 0;
	prog_argv[argc++] = "/prog";
	for (ssize_t at = 0; at < len; at += (ssize_t)strlen(arg_bytes + at) + 1) {
		if (argc > MAX_ARGS)
			return -1;
		prog_argv[argc++] = arg_bytes + at;
	}
	prog_argv[argc] = NULL;
	return 0;
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (load_args() < 0) {
		printf("\n@@ukify-guest error bad /args\n");
		power_off();
	}
	printf("\n@@ukify-guest start uptime_ns=%lld\n", uptime_ns());
	pid_t pid = fork();
	if (pid < 0) {
		printf("\n@@ukify-guest error fork failed\n");
		power_off();
	}
	if (pid == 0) {
		execve("/prog", prog_argv, prog_envp);
		printf("\n@@ukify-guest error cannot exec /prog\n");
		_exit(127);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		;
	long long end = uptime_ns();
	if (WIFSIGNALED(status))
		printf("\n@@ukify-guest end signal=%d uptime_ns=%lld\n", WTERMSIG(status), end);
	else
		printf("\n@@ukify-guest end status=%d uptime_ns=%lld\n", WEXITSTATUS(status), end);
	power_off();
}
