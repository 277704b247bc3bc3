/* The syscall trace behind `ukify run --strace` (kernel/trace.c; its records: kernel/IMAGE.md). */
#pragma once
#include "syscall.h"
#include "types.h"

/* What of an argument's user memory a record carries, and when (generated from
 * syscall-shim/trace.json into build/kernel/gen/trace_captures.c by syscall-shim/gen-trace.mjs). */
enum trace_when { TC_NONE, TC_ENTRY, TC_EXIT };
enum trace_how {
	TC_CSTR,      /* a NUL-terminated string, up to size bytes */
	TC_FIXED,     /* size bytes */
	TC_ARG,       /* as many bytes as argument k says, up to size */
	TC_RET,       /* as many bytes as the result says, up to size */
	TC_ARG_TIMES, /* argument k elements of size bytes */
	TC_RET_TIMES, /* result elements of size bytes */
	TC_DEREF,     /* as many bytes as the u32 argument k points to says, up to size */
	TC_ARGV,      /* a NULL-terminated array of strings, each NUL-terminated */
};
struct trace_capture {
	u8 when, how, k;
	u16 size;
};
extern const struct trace_capture trace_captures[SYSCALL_COUNT][6];

extern bool trace_on; /* the command line's `strace` */

/* The record of a syscall's entry (args: the six argument registers, kept for the exit). */
void trace_enter(u64 nr, const u64 args[6]);
/* The record of its return with ret after ns in the kernel (a syscall that does not return has none). */
void trace_exit(u64 nr, const u64 args[6], long ret, u64 ns);
struct siginfo_k;
struct proc;
/* A signal the current thread takes for delivery (to a handler, its default action or SIG_IGN). */
void trace_signal(const struct siginfo_k *info);
/* Process p ends because of signal sig. */
void trace_killed(const struct proc *p, int sig);
