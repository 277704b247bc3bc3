/* A crash's record for the runner's backtrace (kernel/crash_record.c). */
#pragma once
#include "process.h"

/* The command line's `core`: the record also carries the auxiliary vector and every writable
 * mapping's memory, for the runner's core file (`ukify run --core`). */
extern bool crash_core;

/* Writes the `ukify-crash:` lines for the current thread, dying of sig with registers r. */
void crash_record(const struct regs *r, int sig);
