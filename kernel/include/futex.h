/* Futexes (api/sched.h): threads wait on a 32-bit word of a process's memory until another thread
 * wakes them. */
#pragma once
#include "api/sched.h"
