/* The kernel log (debugcon port 0xe9), panics and the final exit record. */
#include "log.h"
#include "lib.h"
#include "run_stats.h"
#include "x86.h"

#define DEBUGCON 0xe9
#define DEBUG_EXIT 0xf4

enum log_level log_level = LOG_NORMAL;

static void debugcon_write(const char *s, size_t n)
{
	__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"((u16)DEBUGCON) : "memory");
}

void log_raw(const char *s, size_t n) { debugcon_write(s, n); }

static void vlog(const char *fmt, va_list ap)
{
	char line[512];
	int n = vsnprintf(line + 7, sizeof(line) - 8, fmt, ap);
	memcpy(line, "ukify: ", 7);
	size_t len = 7 + (size_t)MIN(n, (int)sizeof(line) - 9);
	line[len++] = '\n';
	debugcon_write(line, len);
}

void klog(enum log_level level, const char *fmt, ...)
{
	if (level > log_level)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void power_off(int status)
{
	run_stats_log();
	char line[32];
	int n = status < 0 ? snprintf(line, sizeof(line), "ukify-exit: panic\n")
			   : snprintf(line, sizeof(line), "ukify-exit: %d\n", status & 0xff);
	debugcon_write(line, (size_t)n);
	outl(DEBUG_EXIT, 0);
	for (;;)
		__asm__ volatile("cli; hlt");
}

extern char __text_start[], __kernel_end[];

/* Walks the frame-pointer chain (the kernel is built with -fno-omit-frame-pointer). */
void backtrace_from(u64 rbp)
{
	for (int depth = 0; depth < 16 && rbp; depth++) {
		if (rbp < (u64)__text_start || rbp >= (u64)__kernel_end || (rbp & 7))
			break;
		u64 *frame = (u64 *)rbp;
		kerr("  #%d %lx", depth, frame[1]);
		rbp = frame[0];
	}
}

void panic(const char *fmt, ...)
{
	cli();
	va_list ap;
	va_start(ap, fmt);
	char msg[400];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kerr("panic: %s", msg);
	kerr("backtrace (kernel addresses; resolve with addr2line -e build/kernel/ukify-kernel.debug):");
	backtrace_from((u64)__builtin_frame_address(0));
	power_off(-1);
}
