/* /proc/PID: a directory per process, made when first looked up and kept until the process is
 * reaped: stat, status, cmdline, comm and maps (made when opened), the exe and cwd links, and fd/
 * whose links name the process's open descriptors. The files find their process by the pid in
 * their inode's tag; once it is gone they answer ESRCH. */
#include "procfs.h"
#include "console.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "sched.h"
#include "thread.h"
#include "vma.h"

/* An fd/N link, made when looked up. */
struct fd_link {
	struct fd_link *next;
	int fd;
	struct inode *ino;
};

struct procfs_dir {
	struct inode *dir, *fd_dir;
	struct fd_link *links;
	char name[12]; /* the pid, its name in /proc */
};

static struct proc *proc_of(const struct inode *ino) { return proc_find((int)(ino->tag & 0xffffffff)); }

static u64 vm_kib(const struct mm *mm)
{
	u64 n = 0;
	for (struct vma *v = mm ? mm->vmas : NULL; v; v = v->next)
		n += v->end - v->start;
	return n >> 10;
}

/* One letter for ps: R when a thread can run, S when all sleep, Z for a zombie. */
static char state_of(const struct proc *p)
{
	if (p->state == PROC_ZOMBIE)
		return 'Z';
	for (const struct thread *t = p->thread_list; t; t = t->proc_next)
		if (t->state != T_BLOCKED)
			return 'R';
	return 'S';
}

static const char *state_name(char s) { return s == 'R' ? "R (running)" : s == 'S' ? "S (sleeping)" : "Z (zombie)"; }

static int ppid_of(const struct proc *p) { return p->parent ? p->parent->pid : 0; }

static void gen_stat(struct proc *p, struct inode *out)
{
	const u64 tick = 1000000000UL / USER_HZ;
	bool tty = p->sid == console_session();
	/* pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime
	 * stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss rsslim ... */
	procfs_put(out, "%d (%s) %c %d %d %d %d %d 4194560 0 0 0 0 %lu 0 %lu 0 20 %d %d 0 %lu %lu %lu ", p->pid,
		   p->comm, state_of(p), ppid_of(p), p->pgid, p->sid, tty ? CONSOLE_TTY_NR : 0,
		   tty ? console_foreground_group() : -1, sched_cpu_ns(p) / tick, p->children_cpu_ns / tick,
		   p->sched.nice, MAX(p->threads, 1), p->start_ns / tick, vm_kib(p->mm) << 10, vm_kib(p->mm) >> 2);
	procfs_put(out, "18446744073709551615 0 0 %lu 0 0 0 0 0 0 0 0 0 %d 0 0 0 0 0 0 0 0 0 %lu %lu 0 0 %d\n",
		   p->mm ? STACK_TOP : 0, p->exit_signal, p->mm ? p->mm->arg_start : 0, p->mm ? p->mm->arg_end : 0,
		   p->state == PROC_ZOMBIE ? p->exit_status : 0);
}

static void gen_status(struct proc *p, struct inode *out)
{
	const struct cred *c = &p->cred;
	u64 pending = p->pending.set, blocked = 0;
	for (const struct thread *t = p->thread_list; t; t = t->proc_next) {
		pending |= t->sig.own.set;
		blocked = t->sig.blocked; /* as Linux: the thread's own; here the last one listed */
	}
	u64 ignored = 0, caught = 0;
	for (int s = 1; p->sighand && s <= NSIG; s++) {
		u64 h = p->sighand->actions[s - 1].handler;
		ignored |= h == SIG_IGN ? sigbit(s) : 0;
		caught |= h != SIG_IGN && h != SIG_DFL ? sigbit(s) : 0;
	}
	procfs_put(out, "Name:\t%s\nUmask:\t%04o\nState:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		   p->comm, p->fs ? p->fs->umask : 0, state_name(state_of(p)), p->pid, p->pid, ppid_of(p));
	procfs_put(out, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\nFDSize:\t%d\nGroups:\t", c->uid.r, c->uid.e,
		   c->uid.s, c->uid.fs, c->gid.r, c->gid.e, c->gid.s, c->gid.fs, NR_FDS);
	for (u32 i = 0; i < c->ngroups; i++)
		procfs_put(out, "%u ", c->groups[i]);
	procfs_put(out, "\nVmSize:\t%8lu kB\nVmRSS:\t%8lu kB\nThreads:\t%d\nSigQ:\t0/0\n", vm_kib(p->mm), vm_kib(p->mm),
		   p->threads);
	procfs_put(out, "SigPnd:\t%016lx\nShdPnd:\t%016lx\nSigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
		   pending & ~p->pending.set, p->pending.set, blocked, ignored, caught);
	procfs_put(out, "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\n", c->cap_inh, c->cap_prm, c->cap_eff);
	procfs_put(out, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed_list:\t0\n");
}

static void gen_cmdline(struct proc *p, struct inode *out)
{
	u8 buf[256];
	for (u64 a = p->mm ? p->mm->arg_start : 0; p->mm && a < p->mm->arg_end;) {
		u64 n = (u64)mm_read(p->mm, a, buf, MIN(sizeof(buf), p->mm->arg_end - a));
		if (!n)
			break;
		reg_write(out, buf, n, out->size);
		a += n;
	}
}

static void gen_comm(struct proc *p, struct inode *out) { procfs_put(out, "%s\n", p->comm); }

static void gen_maps(struct proc *p, struct inode *out)
{
	struct mm *mm = p->mm;
	for (struct vma *v = mm ? mm->vmas : NULL; v; v = v->next) {
		const char *name = "";
		if (v->file && v->file->path)
			name = v->file->path;
		else if (v->special)
			name = v->special == VMA_VDSO ? "[vdso]" : "[vvar]";
		else if (v->start >= mm->brk_start && v->end <= ALIGN_UP(mm->brk, PAGE_SIZE) && mm->brk > mm->brk_start)
			name = "[heap]";
		else if (v->end == STACK_TOP)
			name = "[stack]";
		char head[128];
		int n = snprintf(head, sizeof(head), "%08lx-%08lx %c%c%c%c %08lx 00:%02x %lu", v->start, v->end,
				 v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
				 v->prot & PROT_EXEC ? 'x' : '-', v->shared ? 's' : 'p', v->off, v->file ? 1 : 0,
				 v->file ? v->file->ino->ino : 0);
		/* Linux pads the path to column 73 */
		while (*name && n < 73 && n < (int)sizeof(head) - 1)
			head[n++] = ' ';
		head[n] = 0;
		procfs_put(out, "%s%s\n", head, name);
	}
}

static char *exe_link(struct inode *l)
{
	struct proc *p = proc_of(l);
	return p && p->exe ? procfs_text(p->exe) : NULL;
}

static char *cwd_link(struct inode *l)
{
	struct proc *p = proc_of(l);
	char *buf = p && p->fs ? pathbuf_get() : NULL;
	char *t = buf && dir_path(p->fs->cwd, buf, PATH_MAX) >= 0 ? procfs_text(buf) : NULL;
	pathbuf_put(buf);
	return t;
}

static char *fd_link(struct inode *l)
{
	struct proc *p = proc_of(l);
	struct file *f = p && p->files ? fdtable_file(p->files, (long)(l->tag >> 32)) : NULL;
	return f ? procfs_text(f->path ? f->path : "") : NULL;
}

/* As Linux's fd links lead to the open file itself; here only for the console's pipe-likes, as a
 * pipe() pipe cannot be opened again yet. */
static struct inode *fd_jump(struct inode *l)
{
	struct proc *p = proc_of(l);
	struct file *f = p && p->files ? fdtable_file(p->files, (long)(l->tag >> 32)) : NULL;
	return f && console_reopens(f) ? f->ino : NULL;
}

static struct inode *fd_lookup(struct inode *dir, const char *name, size_t len)
{
	struct proc *p = proc_of(dir);
	u64 fd;
	if (!p || !p->files || !p->procfs || !len || parse_u64(name, len, 10, &fd) != len || fd >= NR_FDS ||
	    !fdtable_file(p->files, (long)fd))
		return NULL;
	for (struct fd_link *k = p->procfs->links; k; k = k->next)
		if (k->fd == (int)fd)
			return k->ino;
	struct fd_link *k = kmalloc(sizeof(*k));
	struct inode *ino = k ? procfs_link(fd_link, dir->tag | fd << 32) : NULL;
	if (!ino) {
		kfree(k);
		return NULL;
	}
	ino->nlink = 1; /* named by the directory until the process is reaped */
	ino->lnk.jump = fd_jump;
	*k = (struct fd_link){ p->procfs->links, (int)fd, ino };
	p->procfs->links = k;
	return ino;
}

/* The pos-th open descriptor. */
static long fd_list(struct inode *dir, u64 pos, char *name, size_t size, struct inode **ino)
{
	struct proc *p = proc_of(dir);
	long fd = p && p->files ? fdtable_next(p->files, 0) : -1;
	for (u64 i = 0; i < pos && fd >= 0; i++)
		fd = fdtable_next(p->files, fd + 1);
	if (fd < 0)
		return -ENOENT;
	snprintf(name, size, "%ld", fd);
	*ino = fd_lookup(dir, name, strlen(name));
	return *ino ? 0 : -ENOMEM;
}

static bool add_link(struct inode *dir, const char *name, char *(*make)(struct inode *), u64 tag)
{
	struct inode *l = procfs_link(make, tag);
	if (l && !dir_add(dir, name, strlen(name), l))
		return true;
	if (l)
		inode_put(l);
	return false;
}

static bool fill(struct procfs_dir *d, int pid)
{
	static const struct { const char *name; procfs_gen gen; } files[] = {
		{ "stat", gen_stat }, { "status", gen_status }, { "cmdline", gen_cmdline },
		{ "comm", gen_comm }, { "maps", gen_maps },
	};
	for (u64 i = 0; i < ARRAY_LEN(files); i++)
		if (!procfs_file(d->dir, files[i].name, files[i].gen, (u64)pid))
			return false;
	if (!add_link(d->dir, "exe", exe_link, (u64)pid) || !add_link(d->dir, "cwd", cwd_link, (u64)pid))
		return false;
	if (!(d->fd_dir = inode_new(S_IFDIR | 0500)) || dir_add(d->dir, "fd", 2, d->fd_dir))
		return false;
	d->fd_dir->tag = (u64)pid;
	d->fd_dir->dir.lookup = fd_lookup;
	d->fd_dir->dir.list = fd_list;
	return true;
}

/* As Linux, a process's /proc files belong to its effective user and group, or to root when it is
 * not dumpable; set at each lookup, so a change of ids shows. */
static void set_owner(struct procfs_dir *d, const struct proc *p)
{
	u32 uid = p->dumpable ? p->cred.uid.e : 0, gid = p->dumpable ? p->cred.gid.e : 0;
	d->dir->uid = uid;
	d->dir->gid = gid;
	for (struct dentry *e = d->dir->dir.first; e; e = e->next) {
		e->ino->uid = uid;
		e->ino->gid = gid;
	}
}

struct inode *procfs_pid_dir(struct proc *p, struct inode *proc_root)
{
	if (p->procfs) {
		set_owner(p->procfs, p);
		return p->procfs->dir;
	}
	struct procfs_dir *d = kzalloc(sizeof(*d));
	if (!d || !(d->dir = inode_new(S_IFDIR | 0555))) {
		kfree(d);
		return NULL;
	}
	snprintf(d->name, sizeof(d->name), "%d", p->pid);
	d->dir->nlink = 2; /* named by /proc (where it is not an entry but a lookup) and by its "." */
	d->dir->dir.parent = proc_root;
	d->dir->dir.name = d->name;
	d->dir->tag = (u64)p->pid;
	p->procfs = d;
	if (!fill(d, p->pid)) {
		procfs_forget(p);
		return NULL;
	}
	set_owner(d, p);
	return d->dir;
}

/* Unnames every child of dir (they go once nothing holds them). */
static void empty(struct inode *dir)
{
	while (dir->dir.first) {
		struct dentry *e = dir->dir.first;
		dir_remove(dir, e->name, strlen(e->name));
	}
}

void procfs_forget(struct proc *p)
{
	struct procfs_dir *d = p->procfs;
	if (!d)
		return;
	p->procfs = NULL;
	for (struct fd_link *k = d->links, *next; k; k = next) {
		next = k->next;
		k->ino->nlink = 0;
		k->ino->refs++;
		inode_put(k->ino);
		kfree(k);
	}
	if (d->fd_dir)
		d->fd_dir->tag = 0;
	empty(d->dir);
	d->dir->dir.parent = NULL; /* removed, as rmdir leaves a directory something still holds */
	d->dir->dir.name = "";
	d->dir->nlink = 0;
	d->dir->refs++;
	inode_put(d->dir);
	kfree(d);
}
