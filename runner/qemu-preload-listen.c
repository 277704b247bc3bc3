/* Part of the library `ukify run` preloads into QEMU when it forwards ports (LD_PRELOAD; its other
 * part: qemu-preload-trim.c). QEMU's user-mode networking (libslirp 4.7) listens on each forwarded
 * host port with a backlog of 1: when a client opens more connections at once than that
 * (redis-benchmark's 50, ab -c 20), the host drops the handshakes that do not fit and the clients
 * wait for their SYN retransmissions, 1 s, 3 s, 7 s and on. This raises any backlog QEMU asks for to SOMAXCONN (the host caps it at net.core.somaxconn);
 * nothing else changes. */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int listen(int fd, int backlog)
{
	return (int)syscall(SYS_listen, fd, backlog < SOMAXCONN ? SOMAXCONN : backlog);
}
