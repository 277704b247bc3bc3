/* The TCP/IP stack (lwIP, net/net.c) and its sockets (net/socket.c, tcp.c, udp.c). */
#pragma once
#include "types.h"

/* At boot: the command line, whose ip=ADDR/PREFIX,GATEWAY sets the device's address (default:
 * slirp's 10.0.2.15/24 via 10.0.2.2). */
void net_configure(const char *cmdline);
/* Starts lwIP (once, at the first socket): loopback, and en0 on the network device if there is
 * one. False when memory is short. */
bool net_start(void);
/* Delivers looped-back packets and runs lwIP's due timers. */
void net_poll(void);
/* When lwIP's next timer is due (monotonic ns), 0 when it has none or has not started. */
u64 net_next_deadline(void);
/* A network device is up: frames can arrive at any time. */
bool net_device_up(void);
/* The machine is stopping (every process has ended and closed its sockets): TCP gets up to 2 s to
 * deliver what was written before the VM powers off. */
void net_drain(void);
