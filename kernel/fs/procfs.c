/* /proc and /sys: the pseudo files programs read at startup. A file's text is made when it is
 * opened (a snapshot kept in an unnamed ramfs inode), /proc/self is a link to /proc/1, whose
 * exe, cwd and fd/N are links made when followed. */
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "thread.h"
#include "uaccess.h"
#include "vfs.h"
#include "vma.h"
#include "x86.h"

typedef void (*gen_fn)(struct inode *out);

static u64 boot_free_bytes;

/* Appends formatted text to the snapshot. */
__attribute__((format(printf, 2, 3))) static void put(struct inode *out, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	reg_write(out, (const u8 *)line, (u64)MIN(n, (int)sizeof(line) - 1), out->size);
}

static long gen_open(struct file *f)
{
	struct inode *snap = inode_new(S_IFREG | 0444);
	if (!snap)
		return -ENOMEM;
	snap->refs = 1;
	((gen_fn)f->ino->priv)(snap);
	f->priv = snap;
	return 0;
}

static long gen_read(struct file *f, u8 *buf, u64 len, u64 off) { return reg_read(f->priv, buf, len, off); }

static void gen_release(struct file *f) { inode_put(f->priv); }

static const struct file_ops gen_ops = { .open = gen_open, .read = gen_read, .release = gen_release, .seekable = true };

static void gen_maps(struct inode *out)
{
	struct mm *mm = mm_current();
	for (struct vma *v = mm->vmas; v; v = v->next) {
		const char *name = "";
		if (v->file && v->file->path)
			name = v->file->path;
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
		put(out, "%s%s\n", head, name);
	}
}

static void gen_cmdline(struct inode *out)
{
	struct mm *mm = mm_current();
	u8 buf[256];
	for (u64 a = mm->arg_start; a < mm->arg_end;) {
		u64 n = MIN(sizeof(buf), mm->arg_end - a);
		if (copy_from_user(buf, a, n))
			break;
		reg_write(out, buf, n, out->size);
		a += n;
	}
}

static u64 vm_kib(void)
{
	u64 n = 0;
	for (struct vma *v = mm_current()->vmas; v; v = v->next)
		n += v->end - v->start;
	return n >> 10;
}

static void gen_status(struct inode *out)
{
	put(out, "Name:\t%.15s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\n",
	    proc_current()->comm, fs_current()->umask);
	put(out, "TracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nGroups:\t\n", NR_FDS);
	put(out, "VmSize:\t%8lu kB\nVmRSS:\t%8lu kB\nThreads:\t1\n", vm_kib(), vm_kib());
	put(out, "SigQ:\t0/0\nSigPnd:\t0000000000000000\nSigBlk:\t0000000000000000\n");
	put(out, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed_list:\t0\n");
}

static void gen_stat(struct inode *out)
{
	/* pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
	 * cutime cstime priority nice num_threads itrealvalue starttime vsize rss rsslim ... */
	put(out, "1 (%.15s) R 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 0 %lu %lu 18446744073709551615 ",
	    proc_current()->comm, vm_kib() << 10, vm_kib() >> 2);
	put(out, "0 0 %lu 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", STACK_TOP);
}

static void gen_cpuinfo(struct inode *out)
{
	struct cpuid v = cpuid(0, 0), f = cpuid(1, 0);
	char vendor[13];
	memcpy(vendor, &v.b, 4), memcpy(vendor + 4, &v.d, 4), memcpy(vendor + 8, &v.c, 4);
	vendor[12] = 0;
	char brand[49] = "unknown";
	if (cpuid(0x80000000, 0).a >= 0x80000004) {
		for (u32 i = 0; i < 3; i++) {
			struct cpuid b = cpuid(0x80000002 + i, 0);
			memcpy(brand + 16 * i, &b, 16);
		}
		brand[48] = 0;
	}
	u32 family = (f.a >> 8) & 0xf, model = (f.a >> 4) & 0xf;
	if (family == 0xf)
		family += (f.a >> 20) & 0xff;
	if (family >= 6)
		model |= ((f.a >> 16) & 0xf) << 4;
	put(out, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n", vendor,
	    family, model, brand);
	put(out, "stepping\t: %u\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n", f.a & 0xf);
	static const char *const edx_flags[32] = { [0] = "fpu", [4] = "tsc", [5] = "msr", [8] = "cx8", [15] = "cmov",
		[19] = "clflush", [23] = "mmx", [24] = "fxsr", [25] = "sse", [26] = "sse2" };
	static const char *const ecx_flags[32] = { [0] = "pni", [1] = "pclmulqdq", [9] = "ssse3", [12] = "fma",
		[13] = "cx16", [19] = "sse4_1", [20] = "sse4_2", [22] = "movbe", [23] = "popcnt", [25] = "aes",
		[26] = "xsave", [28] = "avx", [29] = "f16c", [30] = "rdrand" };
	put(out, "flags\t\t:");
	for (int i = 0; i < 32; i++)
		if (edx_flags[i] && (f.d >> i) & 1)
			put(out, " %s", edx_flags[i]);
	for (int i = 0; i < 32; i++)
		if (ecx_flags[i] && (f.c >> i) & 1)
			put(out, " %s", ecx_flags[i]);
	put(out, "\nclflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: 48 bits physical, 48 bits virtual\n\n");
}

static void gen_meminfo(struct inode *out)
{
	u64 free = pmm_free_bytes() >> 10;
	put(out, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n", boot_free_bytes >> 10,
	    free, free);
	put(out, "Buffers:               0 kB\nCached:                0 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n");
}

static void gen_cpu_list(struct inode *out) { put(out, "0\n"); }

/* Magic links. */
static char *make_link(const char *s)
{
	size_t n = MIN(strlen(s), 2000UL);
	char *t = kmalloc(n + 1);
	if (t) {
		memcpy(t, s, n);
		t[n] = 0;
	}
	return t;
}

static char *exe_link(struct inode *l) { (void)l; return make_link(proc_current()->exe ? proc_current()->exe : ""); }

static char *cwd_link(struct inode *l)
{
	(void)l;
	char *p = cwd_path();
	char *t = make_link(p ? p : "/");
	pathbuf_put(p);
	return t;
}

static struct inode *fd_links[NR_FDS];

static char *fd_link(struct inode *l)
{
	struct file *f = fd_get((long)(u64)l->priv);
	return make_link(f && f->path ? f->path : "");
}

static struct inode *magic_link(char *(*make)(struct inode *))
{
	struct inode *l = inode_new(S_IFLNK | 0777);
	if (!l)
		panic("out of memory making /proc");
	l->lnk.make = make;
	l->nlink = 1; /* never freed */
	return l;
}

static struct inode *fd_lookup(struct inode *dir, const char *name, size_t len)
{
	(void)dir;
	u64 fd;
	if (!len || parse_u64(name, len, 10, &fd) != len || fd >= NR_FDS || !fd_get((long)fd))
		return NULL;
	if (!fd_links[fd]) {
		fd_links[fd] = magic_link(fd_link);
		fd_links[fd]->priv = (void *)fd;
	}
	return fd_links[fd];
}

static long fd_list(struct inode *dir, u64 pos, char *name, size_t size, struct inode **ino)
{
	/* pos counts open descriptors from 0 */
	for (u64 fd = 0, seen = 0; fd < NR_FDS; fd++) {
		if (!fd_get((long)fd) || seen++ < pos)
			continue;
		snprintf(name, size, "%lu", fd);
		*ino = fd_lookup(dir, name, strlen(name));
		return (long)fd;
	}
	return -ENOENT;
}

static struct inode *dir(struct inode *parent, const char *name, u32 mode)
{
	struct inode *d = mkdir_in(parent, name, mode);
	if (!d)
		panic("out of memory making /proc and /sys");
	return d;
}

static void add(struct inode *d, const char *name, struct inode *ino)
{
	if (dir_add(d, name, strlen(name), ino))
		panic("out of memory making /proc and /sys");
}

static void gen_file(struct inode *d, const char *name, gen_fn gen)
{
	struct inode *ino = inode_new(S_IFREG | 0444);
	if (!ino)
		panic("out of memory making /proc and /sys");
	ino->ops = &gen_ops;
	ino->priv = (void *)gen;
	add(d, name, ino);
}

void procfs_init(struct inode *proc_dir, struct inode *sys)
{
	boot_free_bytes = pmm_free_bytes();
	struct inode *self = dir(proc_dir, "1", 0555);
	struct inode *l = inode_new(S_IFLNK | 0777);
	if (!l || !(l->lnk.target = make_link("1")))
		panic("out of memory making /proc");
	add(proc_dir, "self", l);
	add(self, "exe", magic_link(exe_link));
	add(self, "cwd", magic_link(cwd_link));
	struct inode *fd = dir(self, "fd", 0500);
	fd->dir.lookup = fd_lookup;
	fd->dir.list = fd_list;
	gen_file(self, "maps", gen_maps);
	gen_file(self, "status", gen_status);
	gen_file(self, "stat", gen_stat);
	gen_file(self, "cmdline", gen_cmdline);
	gen_file(proc_dir, "cpuinfo", gen_cpuinfo);
	gen_file(proc_dir, "meminfo", gen_meminfo);
	struct inode *cpu = dir(dir(dir(sys, "devices", 0755), "system", 0755), "cpu", 0755);
	gen_file(cpu, "online", gen_cpu_list);
	gen_file(cpu, "possible", gen_cpu_list);
	gen_file(cpu, "present", gen_cpu_list);
	dir(cpu, "cpu0", 0755);
}
