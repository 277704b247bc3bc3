/* Checked access to the app's memory: every pointer from user space goes through here. */
#pragma once
#include "types.h"

/* True when [addr, addr+len) is user memory the app may read (or write), its pages backed. */
bool user_range_ok(u64 addr, u64 len, bool write);
long copy_from_user(void *dst, u64 src, size_t len); /* 0 or -EFAULT */
long copy_to_user(u64 dst, const void *src, size_t len);
long clear_user(u64 dst, size_t len); /* zeros: 0 or -EFAULT */
/* Copies a NUL-terminated string of at most max-1 chars: length, -EFAULT or -ENAMETOOLONG. */
long string_from_user(char *dst, u64 src, size_t max);
