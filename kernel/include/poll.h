/* Readiness of files inside the kernel (the API is in api/fd.h). One CPU: a thread waiting on
 * several files sleeps in one list of pollers, all woken whenever a file's readiness may have
 * changed (poll_wake), then looks at its files again. Files without a poll op are always ready (regular
 * files, as Linux). */
#pragma once
#include "api/fd.h"
#include "sched.h"
#include "vfs.h"

struct epoll;

/* ino's readiness may have changed: counts an event on it (edge-triggered epoll) and wakes pollers;
 * of those in epoll_wait on instances that watch ino with EPOLLEXCLUSIVE only one, the one whose
 * instance had the last such wake longest ago: idle workers take turns at a listening socket. */
void poll_wake(struct inode *ino);
/* poll_sleep for epoll_wait on ep. */
enum wake_reason poll_sleep_epoll(struct epoll *ep, u64 deadline, bool console);
bool poll_awaits_console(void);
