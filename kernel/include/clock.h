/* Time: TSC-based clocks, the RTC at boot, sleeping with the LAPIC one-shot timer. */
#pragma once
#include "types.h"

void clock_init(u64 tsc_khz_from_cmdline);
u64 clock_monotonic_ns(void);
u64 clock_realtime_ns(void);
void lapic_init(void);
void lapic_eoi(void);
/* Halts until the monotonic clock reaches deadline_ns or `until` returns true (may be NULL). */
void sleep_until(u64 deadline_ns, bool (*until)(void));
u64 entropy_u64(void); /* hardware RNG, else mixed timer bits */
