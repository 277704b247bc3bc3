/* Readiness of files inside the kernel (the API is in api/fd.h). One CPU: a thread waiting on
 * several files sleeps on one wait queue that is woken whenever a file's readiness may have changed
 * (poll_wake), then looks at its files again. Files without a poll op are always ready (regular
 * files, as Linux). */
#pragma once
#include "api/fd.h"
#include "sched.h"
#include "vfs.h"

/* ino's readiness may have changed: counts an event on it (edge-triggered epoll) and wakes pollers. */
void poll_wake(struct inode *ino);
bool poll_awaits_console(void);
