/* The kernel command line (IMAGE.md): options, then `--` and arguments replacing argv[1..]. */
#pragma once
#include "bundle.h"
#include "types.h"

struct cmdline {
	u64 tsc_khz;
	bool trace_missing; /* log each path a lookup does not find (IMAGE.md) */
	bool strace;        /* a record of every syscall on port 0xea (trace.c) */
	/* `stats` sets run_stats_on directly (run_stats.c) */
	int nenv;
	const char *env[32];
	bool has_args;
	int nargs;
	const char *args[64];
	const char *raw; /* the whole line, for subsystems that read their own options (netdev_init) */
};

void cmdline_parse(const char *s, struct cmdline *out);

/* One virtio_mmio.device=SIZE@ADDR:IRQ[:ID] option (SIZE with an optional K, M or G suffix). */
struct virtio_mmio_entry {
	u64 base, size;
	u32 irq;
};
/* Parses the value after '='; false when it is not of that form. */
bool cmdline_parse_virtio_mmio(const char *value, struct virtio_mmio_entry *out);
/* Every well-formed virtio_mmio.device= option of line s, in order (at most max); malformed ones
 * are logged and skipped. Returns how many were stored. */
/* Whether the line has any virtio_mmio.device= word (a quick test before parsing them). */
bool cmdline_mentions_virtio_mmio(const char *s);
int cmdline_virtio_mmio(const char *s, struct virtio_mmio_entry *out, int max);
/* Whether line s (before any `--`) has the option word `flag`. */
bool cmdline_has_flag(const char *s, const char *flag);
