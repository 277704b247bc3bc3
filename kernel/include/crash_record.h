/* A crash's record for the runner's backtrace (kernel/crash_record.c). */
#pragma once
#include "process.h"

/* Writes the `ukify-crash:` lines for the current thread, dying of sig with registers r. */
void crash_record(const struct regs *r, int sig);
