/* The kernel log (api/log.h), panics and the final exit record. */
#pragma once
#include "api/log.h"

NORETURN void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Writes the final record "ukify-exit: N" and powers the VM off. */
NORETURN void power_off(int status);
void backtrace_from(u64 rbp);
