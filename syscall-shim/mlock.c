/* Memory locking and memory barriers. There is no swap: pages, once backed, are never paged out, so
 * locking only checks its arguments as Linux does (the range must be mapped). With one CPU every
 * barrier is already complete when the call is made. */
#include "errno.h"
#include "mm.h"
#include "syscalls.h"

#define MLOCK_ONFAULT 1
#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4

/* 0 when every page of [addr, addr+len) is mapped, else -ENOMEM (-EINVAL if it wraps). */
static long range_mapped(u64 addr, u64 len)
{
	u64 start = ALIGN_DOWN(addr, PAGE_SIZE);
	if (addr + len < addr)
		return -EINVAL;
	return mm_range_mapped(start, ALIGN_UP(addr + len, PAGE_SIZE)) ? 0 : -ENOMEM;
}

long sys_mlock(u64 addr, u64 len) { return range_mapped(addr, len); }
long sys_munlock(u64 addr, u64 len) { return range_mapped(addr, len); }

long sys_mlock2(u64 addr, u64 len, int flags)
{
	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	return range_mapped(addr, len);
}

long sys_mlockall(int flags)
{
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT)
		return -EINVAL;
	return 0;
}

long sys_munlockall(void) { return 0; }

#define MEMBARRIER_CMD_QUERY 0
#define MEMBARRIER_CMD_GLOBAL 1
#define MEMBARRIER_CMD_GLOBAL_EXPEDITED 2
#define MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED 4
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED 8
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED 16
#define MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE 32
#define MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE 64
#define MEMBARRIER_CMD_GET_REGISTRATIONS 512
#define MEMBARRIER_SUPPORTED 0x27f /* all of the above; not the rseq commands (no rseq) */

long sys_membarrier(int cmd, unsigned flags, int cpu)
{
	(void)cpu; /* only for the rseq command */
	if (flags)
		return -EINVAL;
	switch (cmd) {
	case MEMBARRIER_CMD_QUERY:
		return MEMBARRIER_SUPPORTED;
	case MEMBARRIER_CMD_GLOBAL:
	case MEMBARRIER_CMD_GLOBAL_EXPEDITED:
		return 0;
	case MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED:
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED:
	case MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE:
		mm_membarrier_register((u32)cmd);
		return 0;
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED:
	case MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE:
		/* each needs its registration first */
		return mm_membarrier_registered() & (u32)(cmd << 1) ? 0 : -EPERM;
	case MEMBARRIER_CMD_GET_REGISTRATIONS:
		return mm_membarrier_registered();
	default:
		return -EINVAL;
	}
}
