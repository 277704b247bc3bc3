/* /proc and /sys: the pseudo files programs read. The system's files live here, each process's in
 * /proc/PID (procfs_pid.c), found by lookup and listed after /proc's own entries; /proc/self names
 * the caller's. */
#include "procfs.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "thread.h"
#include "x86.h"

static u64 boot_free_bytes;

void procfs_put(struct inode *out, const char *fmt, ...)
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
	struct proc *p = NULL;
	if (f->ino->tag && !(p = proc_find((int)f->ino->tag)))
		return -ESRCH; /* the process is gone */
	struct inode *snap = inode_new(S_IFREG | 0444);
	if (!snap)
		return -ENOMEM;
	snap->refs = 1;
	((procfs_gen)f->ino->priv)(p, snap);
	f->priv = snap;
	return 0;
}

static long gen_read(struct file *f, u8 *buf, u64 len, u64 off) { return reg_read(f->priv, buf, len, off); }

static void gen_release(struct file *f) { inode_put(f->priv); }

static const struct file_ops gen_ops = { .open = gen_open, .read = gen_read, .release = gen_release, .seekable = true };

struct inode *procfs_file(struct inode *dir, const char *name, procfs_gen gen, u64 tag)
{
	struct inode *ino = inode_new(S_IFREG | 0444);
	if (!ino)
		return NULL;
	ino->ops = &gen_ops;
	ino->priv = (void *)gen;
	ino->tag = tag;
	if (dir_add(dir, name, strlen(name), ino)) {
		inode_put(ino);
		return NULL;
	}
	return ino;
}

char *procfs_text(const char *s)
{
	size_t n = MIN(strlen(s), 2000UL);
	char *t = kmalloc(n + 1);
	if (t) {
		memcpy(t, s, n);
		t[n] = 0;
	}
	return t;
}

struct inode *procfs_link(char *(*make)(struct inode *), u64 tag)
{
	struct inode *l = inode_new(S_IFLNK | 0777);
	if (!l)
		return NULL;
	l->lnk.make = make;
	l->tag = tag;
	return l;
}

static void gen_cpuinfo(struct proc *p, struct inode *out)
{
	(void)p;
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
	procfs_put(out, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n", vendor,
	    family, model, brand);
	procfs_put(out, "stepping\t: %u\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n", f.a & 0xf);
	static const char *const edx_flags[32] = { [0] = "fpu", [4] = "tsc", [5] = "msr", [8] = "cx8", [15] = "cmov",
		[19] = "clflush", [23] = "mmx", [24] = "fxsr", [25] = "sse", [26] = "sse2" };
	static const char *const ecx_flags[32] = { [0] = "pni", [1] = "pclmulqdq", [9] = "ssse3", [12] = "fma",
		[13] = "cx16", [19] = "sse4_1", [20] = "sse4_2", [22] = "movbe", [23] = "popcnt", [25] = "aes",
		[26] = "xsave", [28] = "avx", [29] = "f16c", [30] = "rdrand" };
	procfs_put(out, "flags\t\t:");
	for (int i = 0; i < 32; i++)
		if (edx_flags[i] && (f.d >> i) & 1)
			procfs_put(out, " %s", edx_flags[i]);
	for (int i = 0; i < 32; i++)
		if (ecx_flags[i] && (f.c >> i) & 1)
			procfs_put(out, " %s", ecx_flags[i]);
	procfs_put(out, "\nclflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: 48 bits physical, 48 bits virtual\n\n");
}

static void gen_meminfo(struct proc *p, struct inode *out)
{
	(void)p;
	u64 free = pmm_free_bytes() >> 10;
	procfs_put(out, "MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n",
		   boot_free_bytes >> 10, free, free);
	procfs_put(out, "Buffers:               0 kB\nCached:                0 kB\nSwapTotal:             0 kB\n"
			"SwapFree:              0 kB\n");
}

static void gen_cpu_list(struct proc *p, struct inode *out)
{
	(void)p;
	procfs_put(out, "0\n");
}

static char *self_link(struct inode *l)
{
	(void)l;
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", proc_current()->pid);
	return procfs_text(pid);
}

/* /proc/PID for a live or zombie process. */
static struct inode *pid_lookup(struct inode *dir, const char *name, size_t len)
{
	(void)dir;
	u64 pid;
	if (!len || parse_u64(name, len, 10, &pid) != len || pid > 0x7fffffff)
		return NULL;
	struct proc *p = proc_find((int)pid);
	return p ? procfs_pid_dir(p, dir) : NULL;
}

/* The processes, oldest first (the table is newest first): the pos-th one. */
static long pid_list(struct inode *dir, u64 pos, char *name, size_t size, struct inode **ino)
{
	u64 n = 0;
	for (struct proc *p = proc_first(); p; p = p->next)
		n++;
	if (pos >= n)
		return -ENOENT;
	struct proc *p = proc_first();
	for (u64 i = 0; i < n - 1 - pos; i++)
		p = p->next;
	snprintf(name, size, "%d", p->pid);
	*ino = pid_lookup(dir, name, strlen(name));
	return *ino ? 0 : -ENOMEM;
}

static struct inode *dir(struct inode *parent, const char *name, u32 mode)
{
	struct inode *d = mkdir_in(parent, name, mode);
	if (!d)
		panic("out of memory making /proc and /sys");
	return d;
}

static void file(struct inode *d, const char *name, procfs_gen gen)
{
	if (!procfs_file(d, name, gen, 0))
		panic("out of memory making /proc and /sys");
}

void procfs_init(struct inode *proc_dir, struct inode *sys)
{
	boot_free_bytes = pmm_free_bytes();
	struct inode *self = procfs_link(self_link, 0);
	if (!self || dir_add(proc_dir, "self", 4, self))
		panic("out of memory making /proc");
	proc_dir->dir.lookup = pid_lookup;
	proc_dir->dir.list = pid_list;
	file(proc_dir, "cpuinfo", gen_cpuinfo);
	file(proc_dir, "meminfo", gen_meminfo);
	struct inode *cpu = dir(dir(dir(sys, "devices", 0755), "system", 0755), "cpu", 0755);
	file(cpu, "online", gen_cpu_list);
	file(cpu, "possible", gen_cpu_list);
	file(cpu, "present", gen_cpu_list);
	dir(cpu, "cpu0", 0755);
}
