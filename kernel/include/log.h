/* The kernel log (api/log.h), panics and the final exit record. */
#pragma once
#include "api/log.h"

NORETURN void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes n bytes to the debugcon as they are (a record, not a log line). */
void log_raw(const char *s, size_t n);
/* Writes the final records ("ukify-stats: ..." with `stats`, then "ukify-exit: N") and powers the VM off. */
NORETURN void power_off(int status);
void backtrace_from(u64 rbp);
