/* CPU features: FPU/SSE/AVX state for the app (the kernel itself never touches it: it is built
 * with -mgeneral-regs-only), SMEP, hardware random numbers, the values reported in the auxv. */
#include "cpu.h"
#include "log.h"
#include "x86.h"

#define CR0_MP (1UL << 1)
#define CR0_EM (1UL << 2)
#define CR0_TS (1UL << 3)
#define CR0_NE (1UL << 5)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_OSXSAVE (1UL << 18)
#define CR4_SMEP (1UL << 20)

static bool has_rdrand, has_rdseed;
static u64 xsave_size = 512;

void fpu_init(void)
{
	struct cpuid l1 = cpuid(1, 0);
	struct cpuid l7 = cpuid(7, 0);
	has_rdrand = l1.c & (1u << 30);
	has_rdseed = l7.b & (1u << 18);

	write_cr0((read_cr0() | CR0_MP | CR0_NE) & ~(CR0_EM | CR0_TS));
	u64 cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (l7.b & (1u << 7))
		cr4 |= CR4_SMEP;
	bool xsave = l1.c & (1u << 26);
	if (xsave)
		cr4 |= CR4_OSXSAVE;
	write_cr4(cr4);
	if (xsave) {
		struct cpuid d = cpuid(0xd, 0);
		u64 supported = ((u64)d.d << 32) | d.a;
		u64 xcr0 = supported & 0x7; /* x87, SSE, AVX */
		if ((supported & 0xe0) == 0xe0)
			xcr0 |= 0xe0;           /* AVX-512: all three components or none */
		xsetbv(0, xcr0);
		xsave_size = cpuid(0xd, 0).b;
	}
	u32 mxcsr = 0x1f80;
	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	kinfo("cpu: xsave=%d size=%lu rdrand=%d rdseed=%d", xsave, xsave_size, has_rdrand, has_rdseed);
}

u64 cpu_hwcap(void) { return cpuid(1, 0).d; }

u64 cpu_xsave_size(void) { return xsave_size; }

bool cpu_random(u64 *out)
{
	for (int tries = 0; tries < 32; tries++) {
		u8 ok;
		if (has_rdseed)
			__asm__ volatile("rdseed %0; setc %1" : "=r"(*out), "=qm"(ok));
		else if (has_rdrand)
			__asm__ volatile("rdrand %0; setc %1" : "=r"(*out), "=qm"(ok));
		else
			return false;
		if (ok)
			return true;
	}
	return false;
}
