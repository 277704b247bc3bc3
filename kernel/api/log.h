/* The kernel log: one line "ukify: ..." on the debugcon port, shown by `ukify run` by level. */
#pragma once
#include "types.h"

enum log_level { LOG_QUIET = 0, LOG_NORMAL = 1, LOG_VERBOSE = 2 };
extern enum log_level log_level;

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One line "ukify: ..." on the kernel log, printed when level <= log_level. */
void klog(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define kinfo(...) klog(LOG_VERBOSE, __VA_ARGS__)
#define kwarn(...) klog(LOG_NORMAL, __VA_ARGS__)
#define kerr(...) klog(LOG_QUIET, __VA_ARGS__)
