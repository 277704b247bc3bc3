/* Time: TSC-based clocks, the RTC at boot, sleeping with the LAPIC one-shot timer. */
#pragma once
#include "api/sched.h" /* clock_monotonic_ns, clock_realtime_ns, entropy_u64 */
#include "types.h"

void clock_init(u64 tsc_khz_from_cmdline);
u64 clock_tsc_khz(void); /* the TSC frequency the clocks use */
/* The physical page of the clocks' parameters, the vDSO's data page (vdso/vvar.h). */
u64 clock_vvar_frame(void);
void lapic_init(void);
void lapic_eoi(void);
/* One interrupt (vector 32) after about ns (at least 1 us, at most ~2 s). lapic_timer_arms counts
 * the calls: the scheduler re-arms its own deadline when someone else armed the timer since. */
void lapic_oneshot_ns(u64 ns);
extern u64 lapic_timer_arms;
#define TIMER_VECTOR 32
/* Halts until the monotonic clock reaches deadline_ns or `until` returns true (may be NULL). */
void sleep_until(u64 deadline_ns, bool (*until)(void));
