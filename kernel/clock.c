/* Clocks from the TSC (frequency from tsc_khz=, else CPUID 0x15/0x16, else a short PIT
 * measurement), wall time from the CMOS RTC read once at boot, and sleeping: the LAPIC timer in
 * one-shot mode wakes the halted CPU. The clocks' parameters live in the vDSO's data page
 * (vdso/vvar.h), which every process maps read-only: the syscalls here and the vDSO in ring 3
 * compute the same nanosecond from the same TSC value. */
#include "clock.h"
#include "cpu.h"
#include "log.h"
#include "mm.h"
#include "x86.h"
#include "vdso/vvar.h"

#define LAPIC_PA 0xfee00000UL
#define LAPIC_VA (MMIO_BASE + 0x0)
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3e0
#define TIMER_VECTOR 32

#define VVAR_SHIFT 40 /* mult = 2^40 ns per kHz-tick: below 1 ns of drift per 10^12 ns */

static u64 tsc_khz;

/* The vDSO's data page: a page of its own, since all of it is shown to every process. */
static union {
	struct vdso_time t;
	u8 page[PAGE_SIZE];
} vvar __attribute__((aligned(PAGE_SIZE)));

u64 clock_vvar_frame(void) { return virt_to_phys(&vvar); }

/* Changes the clocks' parameters under the sequence counter (the vDSO retries meanwhile). */
static void vvar_update(u64 tsc_base, u64 mono_base, u64 real_offset)
{
	volatile struct vdso_time *t = &vvar.t;
	t->seq++;
	__asm__ volatile("" : : : "memory");
	t->tsc_base = tsc_base;
	t->mono_base = mono_base;
	t->real_offset = real_offset;
	t->shift = VVAR_SHIFT;
	t->mult = (1000000UL << VVAR_SHIFT) / tsc_khz;
	__asm__ volatile("" : : : "memory");
	t->seq++;
}

static volatile u32 *lapic_reg(u32 off) { return (volatile u32 *)(LAPIC_VA + off); }

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static u64 days_from_civil(u64 y, u64 m, u64 d)
{
	/* days since 1970-01-01 for a Gregorian date (y >= 1970) */
	y -= m <= 2;
	u64 era = y / 400, yoe = y % 400;
	u64 doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	u64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static u64 rtc_read_seconds(void)
{
	for (int tries = 0; tries < 1000 && (cmos(0x0a) & 0x80); tries++)
		cpu_relax();
	u8 sec = cmos(0), min = cmos(2), hour = cmos(4), day = cmos(7), mon = cmos(8), year = cmos(9);
	u8 b = cmos(0x0b);
	if (sec == 0xff)
		return 0; /* no RTC */
	if (!(b & 0x04)) {
#define BCD(x) (u8)(((x) & 0x0f) + ((x) >> 4) * 10)
		sec = BCD(sec), min = BCD(min), day = BCD(day), mon = BCD(mon), year = BCD(year);
		hour = (u8)(BCD(hour & 0x7f) | (hour & 0x80));
	}
	if (!(b & 0x02) && (hour & 0x80))
		hour = (u8)(((hour & 0x7f) + 12) % 24);
	if (mon < 1 || mon > 12 || day < 1)
		return 0;
	return days_from_civil(2000 + year, mon, day) * 86400 + hour * 3600UL + min * 60UL + sec;
}

/* Fallback only: counts TSC ticks over ~10 ms of PIT channel 0. */
static u64 pit_measure_khz(void)
{
	outb(0x43, 0x34);
	outb(0x40, 0xff);
	outb(0x40, 0xff);
	u64 start = rdtsc();
	u32 elapsed = 0, last = 0xffff;
	while (elapsed < 11932) {
		outb(0x43, 0x00);
		u32 now = inb(0x40);
		now |= (u32)inb(0x40) << 8;
		elapsed += (last - now) & 0xffff;
		last = now;
		if (rdtsc() - start > 100000000000UL)
			return 0;
	}
	return (rdtsc() - start) * 1193182 / ((u64)elapsed * 1000);
}

void clock_init(u64 khz)
{
	u64 boot_tsc = rdtsc();
	const char *source = "tsc_khz=";
	if (!khz) {
		struct cpuid max = cpuid(0, 0);
		if (max.a >= 0x15) {
			struct cpuid c = cpuid(0x15, 0);
			if (c.a && c.b && c.c)
				khz = (u64)c.c * c.b / c.a / 1000, source = "cpuid 0x15";
		}
		if (!khz && max.a >= 0x16 && cpuid(0x16, 0).a)
			khz = cpuid(0x16, 0).a * 1000UL, source = "cpuid 0x16";
		if (!khz)
			khz = pit_measure_khz(), source = "PIT";
		if (!khz)
			khz = 1000000, source = "a guess";
	}
	tsc_khz = khz;
	vvar_update(boot_tsc, 0, rtc_read_seconds() * 1000000000UL);
	kinfo("clock: tsc %lu kHz (from %s)", tsc_khz, source);
}

u64 clock_tsc_khz(void) { return tsc_khz; }

/* The kernel writes the page only with its interrupts off and never in parallel (one vCPU): no retry here. */
u64 clock_monotonic_ns(void)
{
	const struct vdso_time *t = &vvar.t;
	return vdso_time_ns(rdtsc(), t->tsc_base, t->mult, t->shift, t->mono_base);
}

u64 clock_realtime_ns(void) { return clock_monotonic_ns() + vvar.t.real_offset; }

void lapic_init(void)
{
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1UL << 11));
	vmm_map_mmio(LAPIC_VA, LAPIC_PA);
	/* mask the legacy PICs: only the LAPIC delivers interrupts */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	*lapic_reg(LAPIC_SVR) = 0x1ff;
	*lapic_reg(LAPIC_TIMER_DIV) = 0xb; /* divide by 1 */
	*lapic_reg(LAPIC_LVT_TIMER) = TIMER_VECTOR;
}

void lapic_eoi(void) { *lapic_reg(LAPIC_EOI) = 0; }

u64 lapic_timer_arms;

/* QEMU's LAPIC timer counts at 1 GHz; on other hardware the callers re-arm as needed. */
void lapic_oneshot_ns(u64 ns)
{
	lapic_timer_arms++;
	*lapic_reg(LAPIC_TIMER_INIT) = (u32)MIN(MAX(ns, 1000UL), 0x7fffffffUL);
}

void sleep_until(u64 deadline_ns, bool (*until)(void))
{
	for (;;) {
		if (until && until())
			return;
		u64 now = clock_monotonic_ns();
		if (now >= deadline_ns)
			return;
		lapic_oneshot_ns(until ? MIN(deadline_ns - now, 1000000UL) : deadline_ns - now);
		wait_for_interrupt();
	}
}

u64 entropy_u64(void)
{
	u64 v;
	if (cpu_random(&v))
		return v;
	/* splitmix64 over the TSC: weak, but only used when the CPU has no RNG */
	static u64 state;
	state += rdtsc() + 0x9e3779b97f4a7c15UL;
	v = state;
	v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9UL;
	v = (v ^ (v >> 27)) * 0x94d049bb133111ebUL;
	return v ^ (v >> 31);
}
