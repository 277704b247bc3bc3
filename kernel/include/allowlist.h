/* The syscall allowlist (IMAGE.md, /.ukify/allow): the syscalls the analysis found the program can
 * make. Any other syscall is refused with -ENOSYS (or SIGSYS in strict mode) and logged once. */
#pragma once
#include "cpu.h"
#include "types.h"

extern bool allowlist_on;

/* Takes a command-line word when it is allowlist=off, allowlist=strict or allow=N (true). */
bool allowlist_option(const char *word);
/* Reads /.ukify/allow (after the command line). */
void allowlist_init(void);
/* Whether syscall nr is allowed by its number (the list, allow=, allowlist=off). */
bool allowlist_allows(u64 nr);
/* Whether syscall nr, made by the instruction before r->rip, is allowed. */
bool allowlist_permits(u64 nr, const struct regs *r);
/* A refused call: logs it (once per syscall), then -ENOSYS, or the process dies of SIGSYS (strict). */
long allowlist_refuse(u64 nr, struct regs *r);
