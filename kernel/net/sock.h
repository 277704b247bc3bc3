/* The socket object shared by net/socket.c (files, options), net/tcp.c, net/udp.c and
 * net/unix.c. AF_UNIX sockets use the common part (type, state, wait queue, flags, the listen
 * queue) and keep the rest in struct unix_sock, private to unix.c. */
#pragma once
#include "sched.h"
#include "socket.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"

enum sock_state { SS_NEW, SS_LISTENING, SS_CONNECTING, SS_CONNECTED, SS_CLOSED };

/* A received datagram and its source. */
struct dgram {
	struct dgram *next;
	struct pbuf *p;
	ip_addr_t from;
	u16 port;
};

struct unix_sock;

struct sock {
	int family; /* AF_INET, AF_INET6 or AF_UNIX */
	int type;   /* SOCK_STREAM or SOCK_DGRAM */
	enum sock_state state;
	struct tcp_pcb *tcp; /* NULL once lwIP freed it (reset, closed) */
	struct udp_pcb *udp;
	struct inode *ino;   /* the socket's file's inode; NULL for a connection not yet accepted */
	struct waitq waiting;
	u64 changes;         /* counts sock_changed calls: a wait that started before one does not sleep */
	int error;           /* pending error (SO_ERROR), as a positive errno */
	bool shut_rd, shut_wr;
	/* stream: received data not yet read, and whether the peer sent FIN */
	struct pbuf *rx;
	bool rx_fin;
	bool ack_due;            /* read data waits for its ACK on the list from ack_next (tcp.c) */
	struct sock *ack_next;
	/* listening socket: connections waiting for accept, queue_max at most (AF_UNIX: the array
	 * queue; TCP: a list from acc_head through each connection's acc_next, oldest first) */
	struct sock **queue;
	struct sock *acc_head, *acc_tail, *acc_next;
	int queue_len, queue_max;
	int half_open; /* TCP listener: connections whose handshake is under way (tcp.c) */
	/* datagram: received datagrams not yet read */
	struct dgram *dq, *dq_tail;
	int dq_len;
	bool reuseaddr, keepalive, nodelay;
	bool linger_reset; /* SO_LINGER on with a time of 0: close resets (no FIN, no TIME_WAIT) */
	bool v6only; /* AF_INET6: IPV6_V6ONLY, so a wildcard bind takes no IPv4 */
	u64 rcvtimeo, sndtimeo; /* ns; 0: none */
	struct unix_sock *un;   /* AF_UNIX only */
};

/* Something about s changed: wake its readers, writers and pollers. */
void sock_changed(struct sock *s);
/* Blocks on s until a change, the timeout (ns, 0: none) or a signal: 0, -EAGAIN or -ERESTARTSYS. */
long sock_wait(struct sock *s, u64 timeout);
struct sock *sock_alloc(int type); /* an AF_INET socket: the caller may change family */
long sock_file(struct sock *s, u32 flags, struct file **out);
long sock_take_error(struct sock *s);

/* An AF_INET6 socket's pcb takes both IPv4 and IPv6 (IPADDR_TYPE_ANY) until bind says otherwise. */
long tcp_sock_init(struct sock *s);
long tcp_sock_bind(struct sock *s, const ip_addr_t *ip, u16 port);
long tcp_sock_listen(struct sock *s, int backlog);
long tcp_sock_accept(struct sock *s, bool nonblock, struct sock **out);
long tcp_sock_connect(struct sock *s, const ip_addr_t *ip, u16 port, bool nonblock);
long tcp_sock_send(struct sock *s, const u8 *buf, u64 len, int flags, bool nonblock);
long tcp_sock_recv(struct sock *s, u8 *buf, u64 len, int flags, bool nonblock);
long tcp_sock_shutdown(struct sock *s, bool rd, bool wr);
u32 tcp_sock_poll(struct sock *s);
void tcp_sock_close(struct sock *s);
/* Sends the ACKs of data the app has read, unless an answer carried them already (net_poll). */
void tcp_flush_acks(void);

/* demux.c: our record of each connection's pcb (in its ext_args slot), which finds a segment's
 * pcb through a hash table instead of lwIP's walk of every connection. */
struct pcb_ext;
u8_t tcp_ext_id(void);                         /* our ext_args slot */
struct pcb_ext *pcb_ext_new(struct tcp_pcb *pcb); /* NULL when out of memory */
void pcb_ext_hash(struct tcp_pcb *pcb);          /* once its four-tuple is set */
void pcb_ext_drop(struct tcp_pcb *pcb);          /* before tcp_listen, which copies ext_args */
struct sock **pcb_ext_listener(struct tcp_pcb *pcb); /* during a handshake: the listener counting it */
/* tcp.c: a connection counted by listener l finished or failed its handshake. */
void tcp_half_open_ended(struct sock *l);

long udp_sock_init(struct sock *s);
long udp_sock_bind(struct sock *s, const ip_addr_t *ip, u16 port);
long udp_sock_connect(struct sock *s, const ip_addr_t *ip, u16 port);
long udp_sock_send(struct sock *s, const u8 *buf, u64 len, const ip_addr_t *ip, u16 port);
/* from, port: the datagram's source, when from is not NULL */
long udp_sock_recv(struct sock *s, u8 *buf, u64 len, int flags, ip_addr_t *from, u16 *port, bool nonblock);
u32 udp_sock_poll(struct sock *s);
void udp_sock_close(struct sock *s);

/* unix.c: AF_UNIX. type is without SOCK_NONBLOCK/SOCK_CLOEXEC; flags: O_NONBLOCK or 0. */
long unix_create(int type, int protocol, u32 flags, struct file **out);
long unix_pair(int type, int protocol, u32 flags, struct file **a, struct file **b);
long unix_bind(struct sock *s, const struct sockaddr_k *a);
long unix_listen(struct sock *s, int backlog);
long unix_accept(struct sock *s, bool nonblock, struct sock **out, struct sockaddr_k *peer);
long unix_connect(struct sock *s, const struct sockaddr_k *a, bool nonblock);
long unix_send(struct sock *s, const u8 *buf, u64 len, int flags, const struct sockaddr_k *to, bool nonblock);
long unix_recv(struct sock *s, u8 *buf, u64 len, int flags, struct sockaddr_k *from, bool nonblock);
long unix_shutdown(struct sock *s, bool rd, bool wr);
long unix_name(struct sock *s, bool peer, struct sockaddr_k *out);
/* SO_PEERCRED: the peer's pid, uid and gid. */
void unix_peercred(struct sock *s, u32 cred[3]);
u64 unix_buffer_size(void);
u32 unix_poll(struct sock *s);
u64 unix_readable(struct sock *s);
void unix_close(struct sock *s); /* frees the AF_UNIX part; the caller frees s */
