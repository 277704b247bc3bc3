/* /init of the Linux-guest baseline. Runs /prog with the arguments stored NUL-separated in /args
 * (the kernel command line cannot carry arbitrary bytes), prints how it ended and the guest's uptime
 * around the run, then powers the VM off. The report lines are framed by markers so that the host
 * can tell the program's output from kernel messages on the same serial console. The program gets
 * an empty environment, as under `ukify run` without -e (the HOME=/ and TERM=linux that the kernel
 * gives init would change what a program does, e.g. Python's site module).
 * When the initramfs holds /net (the network benchmark's does), init first loads the kernel modules
 * /modules/0.ko, /modules/1.ko, ... in that order (the host put them in dependency order), then
 * gives lo 127.0.0.1/8 and eth0 QEMU user networking's 10.0.2.15/24 with a default route via 10.0.2.2.
 * Built static at bench time; the kernel starts it as PID 1 with /dev/console on fds 0-2. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

static _Noreturn void fail(const char *what, const char *name)
{
	printf("\n@@ukify-guest error %s %s: %s\n", what, name, strerror(errno));
	power_off();
}

/* glibc has no finit_module wrapper. EEXIST means built in or already loaded, which is fine. */
static void load_modules(void)
{
	char path[32];
	for (int i = 0;; i++) {
		snprintf(path, sizeof path, "/modules/%d.ko", i);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			return;
		if (fd < 0)
			fail("cannot open", path);
		if (syscall(SYS_finit_module, fd, "", 0) != 0 && errno != EEXIST)
			fail("cannot load module", path);
		close(fd);
	}
}

static void set_addr(struct sockaddr *sa, const char *ip)
{
	struct sockaddr_in *in = (struct sockaddr_in *)sa;
	memset(in, 0, sizeof *in);
	in->sin_family = AF_INET;
	inet_pton(AF_INET, ip, &in->sin_addr);
}

/* Address, netmask, then IFF_UP, the classic ifconfig ioctls on any socket. */
static void if_up(int s, const char *name, const char *ip, const char *mask)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
	set_addr(&ifr.ifr_addr, ip);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0)
		fail("SIOCSIFADDR", name);
	set_addr(&ifr.ifr_netmask, mask);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) < 0)
		fail("SIOCSIFNETMASK", name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		fail("SIOCGIFFLAGS", name);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		fail("SIOCSIFFLAGS", name);
}

static void network_up(void)
{
	load_modules();
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		fail("socket", "AF_INET");
	if_up(s, "lo", "127.0.0.1", "255.0.0.0");
	/* The drivers probe while their module loads, so eth0 normally exists by now; give a
	 * deferred probe up to 5 s anyway. */
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "eth0");
	for (int tries = 0; ioctl(s, SIOCGIFINDEX, &ifr) < 0; tries++) {
		if (tries == 500)
			fail("no network device", "eth0");
		usleep(10000);
	}
	if_up(s, "eth0", "10.0.2.15", "255.255.255.0");
	struct rtentry rt;
	memset(&rt, 0, sizeof rt);
	set_addr(&rt.rt_dst, "0.0.0.0");
	set_addr(&rt.rt_genmask, "0.0.0.0");
	set_addr(&rt.rt_gateway, "10.0.2.2");
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = "eth0";
	if (ioctl(s, SIOCADDRT, &rt) < 0)
		fail("SIOCADDRT", "default via 10.0.2.2");
	close(s);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (load_args() < 0) {
		printf("\n@@ukify-guest error bad /args\n");
		power_off();
	}
	if (access("/net", F_OK) == 0)
		network_up();
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
