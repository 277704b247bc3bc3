/* Sockets (net/): AF_INET and AF_INET6 stream (TCP) and datagram (UDP) sockets over lwIP, and AF_UNIX stream
 * and datagram sockets in kernel buffers (net/unix.c), as files. The syscall handlers
 * (syscall-shim/net.c) copy addresses and options in and out; everything else is here. Functions
 * return 0 or a value, or -errno. */
#pragma once
#include "types.h"
#include "vfs.h"

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define SHUT_RD 0
#define SHUT_WR 1
#define SHUT_RDWR 2

/* struct sockaddr_in: port and address in network byte order. */
struct sockaddr_in_k {
	u16 family, port;
	u32 addr;
	u8 zero[8];
};

/* struct sockaddr_in6: port in network byte order, the address's 16 bytes. */
struct sockaddr_in6_k {
	u16 family, port;
	u32 flowinfo;
	u8 addr[16];
	u32 scope_id;
};

/* struct sockaddr_un: a path (NUL-terminated unless it fills path) or, when path[0] is 0, an
 * abstract name: the bytes after that 0, up to the address's length. */
#define UNIX_PATH_MAX 108
struct sockaddr_un_k {
	u16 family;
	char path[UNIX_PATH_MAX];
};

/* An address of any family and its length: from the app, the length it gave (the shim copies
 * at most a sockaddr_un); to the app, the length to report (0: none, as recvfrom from an unnamed
 * AF_UNIX socket). */
struct sockaddr_k {
	union {
		u16 family;
		struct sockaddr_in_k in;
		struct sockaddr_in6_k in6;
		struct sockaddr_un_k un;
	};
	u32 len;
};

struct sock;

long sock_create(int domain, int type, int protocol, struct file **out);
/* socketpair: two connected sockets (AF_UNIX only). */
long sock_pair(int domain, int type, int protocol, struct file **a, struct file **b);
struct sock *sock_of(struct file *f); /* NULL when f is not a socket */
bool sock_is_datagram(const struct sock *s);
bool sock_is_unix(const struct sock *s);
long sock_bind(struct sock *s, const struct sockaddr_k *a);
long sock_listen(struct sock *s, int backlog);
/* A connection from the queue as a new file (flags: O_NONBLOCK), and its peer. */
long sock_accept(struct sock *s, bool nonblock, u32 flags, struct file **out, struct sockaddr_k *peer);
long sock_connect(struct sock *s, const struct sockaddr_k *a, bool nonblock);
/* buf is the app's memory (already checked); to may be NULL. */
long sock_send(struct sock *s, const u8 *buf, u64 len, int flags, const struct sockaddr_k *to, bool nonblock);
long sock_recv(struct sock *s, u8 *buf, u64 len, int flags, struct sockaddr_k *from, bool nonblock);
long sock_shutdown(struct sock *s, int how);
long sock_name(struct sock *s, bool peer, struct sockaddr_k *out);
long sock_setopt(struct sock *s, int level, int name, const void *val, u32 len);
/* *len: in, the room at val; out, the option's size. */
long sock_getopt(struct sock *s, int level, int name, void *val, u32 *len);
