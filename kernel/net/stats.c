/* The network's drop counts (net_stats.h), logged at the end of a run. */
#include "net_stats.h"
#include "log.h"

struct net_stats net_stats;

void net_stats_log(void)
{
	const struct net_stats *s = &net_stats;
	if (!s->rx_frames)
		return;
	kinfo("net: %lu frames in; drops: %lu without a buffer, %lu sends with the TX queue full (%lu waited for the TX ring), %lu SYNs with a full backlog (%lu waited for room),"
	      " %lu connections with a full accept queue; RX ring drained %lu times; TIME_WAIT: %lu reused, %lu evicted",
	      s->rx_frames, s->rx_no_buffer, s->tx_dropped, s->tx_backlogged, s->syn_backlog_full, s->syn_held, s->accept_queue_full, s->rx_ring_drained,
	      s->timewait_reused, s->timewait_evicted);
}
