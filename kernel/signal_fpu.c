/* The app's FPU/SSE/AVX state in a signal frame, in Linux's format: an XSAVE image (standard
 * format) whose FXSAVE software-reserved bytes carry FP_XSTATE_MAGIC1 and the sizes, followed by
 * FP_XSTATE_MAGIC2; a plain FXSAVE image on CPUs without XSAVE. Images come back from user memory
 * at rt_sigreturn, so they are checked before XRSTOR/FXRSTOR could fault in the kernel. */
#include "cpu.h"
#include "lib.h"
#include "log.h"
#include "signal_frame.h"
#include "uaccess.h"
#include "x86.h"

#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define FXSAVE_SIZE 512
#define XSAVE_HEADER_END 576
#define XFEATURE_FP_SSE 3UL
#define CR4_OSXSAVE (1UL << 18)

struct fpx_sw_bytes {
	u32 magic1, extended_size;
	u64 xfeatures;
	u32 xstate_size, padding[7];
};

/* One CPU and a kernel that is not preempted: one staging buffer is enough. */
static u8 buf[8192] __attribute__((aligned(64)));
static u32 mxcsr_mask;

static bool has_xsave(void) { return read_cr4() & CR4_OSXSAVE; }

static u64 xcr0(void)
{
	u32 lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

static u64 xstate_size(void) { return has_xsave() ? cpu_xsave_size() : FXSAVE_SIZE; }

u64 fpu_frame_size(void) { return xstate_size() + (has_xsave() ? 4 : 0); }

static void save(void)
{
	memset(buf, 0, xstate_size());
	if (has_xsave())
		__asm__ volatile("xsave64 (%0)" : : "r"(buf), "a"(~0U), "d"(~0U) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(buf) : "memory");
}

static void restore(void)
{
	if (has_xsave())
		__asm__ volatile("xrstor64 (%0)" : : "r"(buf), "a"(~0U), "d"(~0U) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(buf) : "memory");
}

static u32 *u32_at(u64 off) { return (u32 *)(buf + off); }
static u64 *u64_at(u64 off) { return (u64 *)(buf + off); }

bool fpu_save_to_user(u64 fp)
{
	u64 size = xstate_size();
	if (size + 4 > sizeof(buf))
		panic("xsave area of %lu bytes does not fit the signal buffer", size);
	save();
	if (has_xsave()) {
		struct fpx_sw_bytes *sw = (struct fpx_sw_bytes *)(buf + 464);
		sw->magic1 = FP_XSTATE_MAGIC1;
		sw->extended_size = (u32)size + 4;
		sw->xfeatures = xcr0();
		sw->xstate_size = (u32)size;
		*u32_at(size) = FP_XSTATE_MAGIC2;
	}
	return copy_to_user(fp, buf, fpu_frame_size()) == 0;
}

void fpu_reset(void)
{
	memset(buf, 0, XSAVE_HEADER_END);
	*(u16 *)buf = 0x37f;       /* FCW: all x87 exceptions masked, 64-bit precision */
	*u32_at(24) = 0x1f80;      /* MXCSR: all SIMD exceptions masked */
	restore();                 /* XSTATE_BV 0: every component to its initial state */
}

static u32 mxcsr_valid_bits(void)
{
	if (!mxcsr_mask) {
		memset(buf, 0, FXSAVE_SIZE);
		__asm__ volatile("fxsave64 (%0)" : : "r"(buf) : "memory");
		mxcsr_mask = *u32_at(28) ? *u32_at(28) : 0xffbf;
	}
	return mxcsr_mask;
}

bool fpu_restore_from_user(u64 fp)
{
	if (!fp) {
		fpu_reset();
		return true;
	}
	u64 size = xstate_size();
	u32 valid = mxcsr_valid_bits();
	if (fp & 63)
		return false;
	memset(buf, 0, size);
	if (copy_from_user(buf, fp, FXSAVE_SIZE) || (*u32_at(24) & ~valid))
		return false;
	if (!has_xsave()) {
		restore();
		return true;
	}
	/* the extended part only when the software bytes describe it; else x87 and SSE alone */
	struct fpx_sw_bytes sw;
	memcpy(&sw, buf + 464, sizeof(sw));
	u64 features = XFEATURE_FP_SSE;
	u32 magic2 = 0;
	if (sw.magic1 == FP_XSTATE_MAGIC1 && sw.xstate_size >= XSAVE_HEADER_END && sw.xstate_size <= size &&
	    sw.extended_size >= sw.xstate_size + 4 && !copy_from_user(&magic2, fp + sw.xstate_size, 4) &&
	    magic2 == FP_XSTATE_MAGIC2) {
		if (copy_from_user(buf + FXSAVE_SIZE, fp + FXSAVE_SIZE, sw.xstate_size - FXSAVE_SIZE))
			return false;
		/* XRSTOR faults on a compacted or reserved header: refuse those */
		for (u64 off = FXSAVE_SIZE + 8; off < XSAVE_HEADER_END; off += 8)
			if (*u64_at(off))
				return false;
		features = sw.xfeatures;
	} else {
		*u64_at(FXSAVE_SIZE) = XFEATURE_FP_SSE;
	}
	*u64_at(FXSAVE_SIZE) &= features & xcr0();
	restore();
	return true;
}
