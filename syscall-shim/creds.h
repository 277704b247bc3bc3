/* What other syscall files ask of the credentials in ids.c. */
#pragma once
#include "types.h"

#define CAP_KILL 5
#define CAP_SYS_ADMIN 21
#define CAP_SYS_NICE 23

/* True when the capability is in the effective set (the app starts with all of them). */
bool cred_capable(int cap);
