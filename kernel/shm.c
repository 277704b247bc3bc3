/* System V shared memory: segments named by a key, made by shmget, attached with shmat at an
 * address of the caller's choosing (or one of ours) and detached with shmdt. A segment is an
 * unlinked ramfs file (fs/shmem.c): each attachment is a shared mapping of it, so fork shares it
 * too. IPC_RMID takes the key away at once; the segment goes with its last attachment. */
#include "clock.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "proc.h"
#include "vfs.h"
#include "vma.h"

#define SHM_MAX_SEGMENTS 128 /* Linux's SHMMNI is 4096 */
#define SHM_MIN 1
#define SHM_MAX (1UL << 30)  /* the ramfs's largest file */

struct segment {
	bool used, removed;
	int key;
	struct file *f;
	struct shm_info_k info;
};

static struct segment segments[SHM_MAX_SEGMENTS];
static u16 sequence[SHM_MAX_SEGMENTS]; /* ids change when a slot is reused, as Linux's */

static int id_of(int slot) { return sequence[slot] * SHM_MAX_SEGMENTS + slot; }

/* Whether p is the first process (in the table's order) using its address space: one shared by
 * several (vfork, CLONE_VM) counts once. */
static bool first_user(const struct proc *p)
{
	for (struct proc *q = proc_first(); q != p; q = q->next)
		if (q->mm == p->mm)
			return false;
	return true;
}

/* How many mappings start an attachment of the segment, in every address space. */
static u32 attachments(const struct segment *s)
{
	u32 n = 0;
	for (struct proc *p = proc_first(); p; p = p->next)
		if (p->mm && first_user(p))
			for (struct vma *v = p->mm->vmas; v; v = v->next)
				n += v->file && v->file->ino == s->f->ino && v->off == 0;
	return n;
}

static void destroy(int slot)
{
	struct segment *s = &segments[slot];
	file_put(s->f);
	*s = (struct segment){ 0 };
	sequence[slot]++;
}

/* The segment with that id, or NULL; a removed one goes once nothing has it attached. */
static struct segment *lookup(int id)
{
	if (id < 0)
		return NULL;
	int slot = id % SHM_MAX_SEGMENTS;
	struct segment *s = &segments[slot];
	if (!s->used || id_of(slot) != id)
		return NULL;
	if (s->removed && !attachments(s)) {
		destroy(slot);
		return NULL;
	}
	return s;
}

long shm_get(int key, u64 size, int flags)
{
	for (int i = 0; key != IPC_PRIVATE && i < SHM_MAX_SEGMENTS; i++) {
		struct segment *s = &segments[i];
		if (!s->used || s->removed || s->key != key)
			continue;
		if ((flags & IPC_CREAT) && (flags & IPC_EXCL))
			return -EEXIST;
		if (size > s->info.size)
			return -EINVAL;
		return id_of(i);
	}
	if (key != IPC_PRIVATE && !(flags & IPC_CREAT))
		return -ENOENT;
	if (size < SHM_MIN || size > SHM_MAX)
		return -EINVAL;
	for (int i = 0; i < SHM_MAX_SEGMENTS; i++) {
		struct segment *s = &segments[i];
		if (s->used)
			continue;
		long err = shmem_file(ALIGN_UP(size, PAGE_SIZE), "/SYSV", &s->f);
		if (err)
			return err;
		const struct proc *p = proc_current();
		s->used = true;
		s->key = key;
		s->info = (struct shm_info_k){ .key = key, .size = size, .mode = (u32)flags & 0777,
					       .uid = p->cred.uid.e, .gid = p->cred.gid.e, .cuid = p->cred.uid.e,
					       .cgid = p->cred.gid.e, .cpid = p->pid, .ctime = clock_realtime_ns() };
		return id_of(i);
	}
	return -ENOSPC;
}

long shm_attach(int id, u64 addr, int flags)
{
	struct segment *s = lookup(id);
	if (!s)
		return -EINVAL;
	u64 len = ALIGN_UP(s->info.size, PAGE_SIZE);
	if (addr) {
		if (flags & SHM_RND)
			addr = ALIGN_DOWN(addr, SHMLBA);
		if (addr & (PAGE_SIZE - 1))
			return -EINVAL;
		if (addr < MMAP_BOTTOM || addr >= USER_TOP || len > USER_TOP - addr)
			return -EINVAL;
		if (!(flags & SHM_REMAP) && !mm_range_free(addr, addr + len))
			return -EINVAL;
	} else if (!(addr = mm_find_free(len))) {
		return -ENOMEM;
	}
	u32 prot = (flags & SHM_RDONLY) ? PROT_READ : PROT_READ | PROT_WRITE;
	if (flags & SHM_EXEC)
		prot |= PROT_EXEC;
	long err = mm_map(addr, len, prot, s->f, 0, true);
	if (err)
		return err;
	s->info.atime = clock_realtime_ns();
	s->info.lpid = proc_current()->pid;
	return (long)addr;
}

long shm_detach(u64 addr)
{
	struct mm *mm = mm_current();
	struct vma *v = vma_find(mm, addr);
	if (!v || v->start != addr || !v->file || v->off != 0)
		return -EINVAL;
	for (int i = 0; i < SHM_MAX_SEGMENTS; i++) {
		struct segment *s = &segments[i];
		if (!s->used || s->f->ino != v->file->ino)
			continue;
		vma_unmap(mm, addr, addr + ALIGN_UP(s->info.size, PAGE_SIZE));
		s->info.dtime = clock_realtime_ns();
		s->info.lpid = proc_current()->pid;
		lookup(id_of(i)); /* a removed segment may now go */
		return 0;
	}
	return -EINVAL;
}

long shm_stat(int id, struct shm_info_k *out)
{
	struct segment *s = lookup(id);
	if (!s)
		return -EINVAL;
	*out = s->info;
	out->nattch = attachments(s);
	out->removed = s->removed;
	return 0;
}

long shm_set(int id, u32 uid, u32 gid, u32 mode)
{
	struct segment *s = lookup(id);
	if (!s)
		return -EINVAL;
	s->info.uid = uid;
	s->info.gid = gid;
	s->info.mode = (s->info.mode & ~0777u) | (mode & 0777);
	s->info.ctime = clock_realtime_ns();
	return 0;
}

long shm_remove(int id)
{
	struct segment *s = lookup(id);
	if (!s)
		return -EINVAL;
	s->removed = true;
	s->key = IPC_PRIVATE;
	s->info.key = IPC_PRIVATE;
	s->info.ctime = clock_realtime_ns();
	lookup(id);
	return 0;
}
