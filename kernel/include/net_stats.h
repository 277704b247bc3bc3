/* Counts of what the network path drops or cuts short, each where it happens, logged when the
 * machine stops (`verbose`): the evidence for a stall (a dropped SYN costs its client a
 * retransmission, 1 s or more). */
#pragma once
#include "types.h"

struct net_stats {
	u64 rx_frames;         /* frames the device delivered */
	u64 rx_ring_drained;   /* interrupts that found every RX buffer used (the device may have waited) */
	u64 rx_no_buffer;      /* frames dropped: no lwIP buffer for them */
	u64 tx_backlogged;     /* frames that waited in the driver: every TX buffer in flight */
	u64 tx_dropped;        /* frames lwIP could not send: the driver's backlog full too */
	u64 syn_held;          /* SYNs that waited for room in their listener's accept queue (net/syn.c) */
	u64 syn_backlog_full;  /* SYNs lwIP drops: the listener's accept queue full and no room to wait */
	u64 accept_queue_full; /* connections reset: the socket's accept queue is full */
	u64 timewait_reused;   /* SYNs that replaced a connection in TIME_WAIT */
	u64 timewait_evicted;  /* TIME_WAIT connections ended early past the limit */
};

extern struct net_stats net_stats;

/* Logs the counts (kinfo: with `verbose`), when any frame came in. */
void net_stats_log(void);
