/* The kernel command line (IMAGE.md): options, then `--` and arguments replacing argv[1..]. */
#pragma once
#include "bundle.h"
#include "types.h"

struct cmdline {
	u64 tsc_khz;
	bool trace_missing; /* log each path a lookup does not find (IMAGE.md) */
	int nenv;
	const char *env[32];
	bool has_args;
	int nargs;
	const char *args[64];
};

void cmdline_parse(const char *s, struct cmdline *out);
