/* Memory as the syscalls see it: the calling process's address space (mappings, protections,
 * brk) and how much memory the machine has. */
#pragma once
#include "types.h"

#define PAGE_SIZE 4096UL
#define USER_TOP 0x0000800000000000UL /* first address above user space */

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4

#define STACK_TOP 0x00007ffffffff000UL
#define STACK_SIZE (8UL << 20)
#define MMAP_TOP (STACK_TOP - STACK_SIZE - (64UL << 20)) /* mmap grows down from here */
#define MMAP_BOTTOM 0x10000UL

struct file;

/* Maps [addr, addr+len) (page aligned) with prot, replacing whatever was there: anonymous memory
 * when f is NULL, else f from offset off, shared (MAP_SHARED) or private. 0 or -ENOMEM. */
long mm_map(u64 addr, u64 len, u32 prot, struct file *f, u64 off, bool shared);
/* Highest free, page-aligned range of len bytes below MMAP_TOP; 0 if none. */
u64 mm_find_free(u64 len);
bool mm_range_free(u64 start, u64 end);   /* no page of it is mapped */
bool mm_range_mapped(u64 start, u64 end); /* every page of it is mapped */
/* msync: the shared pages of volumes' files mapped in [start,end) go back to the host: 0 or the
 * first error (-EIO...). */
long mm_sync(u64 start, u64 end);
bool mm_unmap(u64 start, u64 end); /* false (ENOMEM) when out of memory to cut a mapping in two */
/* MAP_POPULATE: backs every page of [start,end) now (for writing when write); false when memory
 * ran out (the pages taken stay: the caller unmaps). */
bool mm_populate(u64 start, u64 end, bool write);
bool mm_protect(u64 start, u64 end, u32 prot); /* false if part of the range is unmapped */
/* mremap of [old, old+old_len) (within one mapping) to new_len: in place, or moved when may_move.
 * The new address, or -EFAULT (not one mapping) or -ENOMEM. */
long mm_remap(u64 old, u64 old_len, u64 new_len, bool may_move);
/* Moves the program break to addr when it can; returns the break. */
u64 mm_brk(u64 addr);
/* Drops the pages of [start,end): anonymous ones read as zero again, file ones as the file. */
void mm_discard(u64 start, u64 end);
/* membarrier(2) registrations of the address space (MEMBARRIER_CMD_REGISTER_* bits). */
u32 mm_membarrier_registered(void);
void mm_membarrier_register(u32 cmd);

/* System V shared memory (Linux values). */
#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHMLBA PAGE_SIZE
/* A segment as shmctl(IPC_STAT) reports it; times in ns since the epoch. */
struct shm_info_k {
	int key;
	u64 size;
	u32 mode, uid, gid, cuid, cgid;
	int cpid, lpid;
	u64 nattch, atime, dtime, ctime;
	bool removed; /* IPC_RMID was asked: it goes with its last attachment */
};
/* shmget: the id of the segment with key (IPC_PRIVATE: always a new one), made with IPC_CREAT;
 * -EEXIST, -ENOENT, -EINVAL (size), -ENOSPC (no slot left) or -ENOMEM. */
long shm_get(int key, u64 size, int flags);
long shm_attach(int id, u64 addr, int flags); /* shmat: the address, or -errno */
long shm_detach(u64 addr);                    /* shmdt: 0 or -EINVAL */
long shm_stat(int id, struct shm_info_k *out);
long shm_set(int id, u32 uid, u32 gid, u32 mode); /* IPC_SET */
long shm_remove(int id);                          /* IPC_RMID */

/* The kernel heap, for the syscalls' own buffers (at most 4088 bytes each). */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void kfree(void *p);

u64 pmm_free_bytes(void);
u64 pmm_total_bytes(void); /* usable RAM after the kernel and the bundle */
/* What the app's pages and the files may still take (free memory less the kernel's reserve), and
 * could take at most (the usable RAM less the reserve). */
u64 pmm_user_free_bytes(void);
u64 pmm_user_total_bytes(void);
/* The same for files written to the ramfs, which leave the program a share: its size and free
 * space as statfs tells them. */
u64 pmm_file_free_bytes(void);
u64 pmm_file_total_bytes(void);
