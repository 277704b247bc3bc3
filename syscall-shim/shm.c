/* System V shared memory: shmget, shmat, shmdt and shmctl over the kernel's segments (kernel/shm.c),
 * with struct shmid64_ds as x86-64 Linux lays it out. */
#include "errno.h"
#include "mm.h"
#include "process.h"
#include "syscalls.h"
#include "uaccess.h"

#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_64 0x100 /* glibc and musl ask for the 64-bit layout, which is the only one here */
#define SHM_DEST 01000
#define NS 1000000000UL

struct ipc64_perm_k {
	i32 key;
	u32 uid, gid, cuid, cgid, mode;
	u16 seq, pad;
	u64 unused[2];
};

struct shmid64_ds_k {
	struct ipc64_perm_k perm;
	u64 segsz;
	i64 atime, dtime, ctime;
	i32 cpid, lpid;
	u64 nattch, unused[2];
};
_Static_assert(sizeof(struct shmid64_ds_k) == 112, "struct shmid64_ds of x86-64 Linux");

long sys_shmget(int key, u64 size, int flag) { return shm_get(key, size, flag); }

long sys_shmat(int shmid, u64 shmaddr, int shmflg) { return shm_attach(shmid, shmaddr, shmflg); }

long sys_shmdt(u64 shmaddr) { return shm_detach(shmaddr); }

long sys_shmctl(int shmid, int cmd, u64 buf)
{
	struct shm_info_k s;
	struct shmid64_ds_k ds;
	long err;
	switch (cmd & ~IPC_64) {
	case IPC_STAT:
		if ((err = shm_stat(shmid, &s)))
			return err;
		ds = (struct shmid64_ds_k){
			.perm = { .key = s.key, .uid = s.uid, .gid = s.gid, .cuid = s.cuid, .cgid = s.cgid,
				  .mode = s.mode | (s.removed ? SHM_DEST : 0), .seq = (u16)((u32)shmid / 128) },
			.segsz = s.size, .atime = (i64)(s.atime / NS), .dtime = (i64)(s.dtime / NS),
			.ctime = (i64)(s.ctime / NS), .cpid = s.cpid, .lpid = s.lpid, .nattch = s.nattch,
		};
		return copy_to_user(buf, &ds, sizeof(ds));
	case IPC_SET:
		if (copy_from_user(&ds, buf, sizeof(ds)))
			return -EFAULT;
		return shm_set(shmid, ds.perm.uid, ds.perm.gid, ds.perm.mode);
	case IPC_RMID:
		return shm_remove(shmid);
	default:
		return -EINVAL; /* IPC_INFO, SHM_INFO, SHM_STAT, SHM_LOCK: not kept */
	}
}
