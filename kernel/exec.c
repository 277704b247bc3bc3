/* execve: the calling process runs another program from the file system. The pid stays, the
 * address space is new; descriptors marked close-on-exec close, caught signals go back to their
 * default, the other threads end. An ELF program (static, static-PIE or dynamic through its
 * loader) runs as is; a `#!` script runs its interpreter (up to four levels). Everything that can
 * fail for a bad program or bad arguments fails before the old image is gone. The first program
 * at boot is started the same way. */
#include "clock.h"
#include "cpu.h"
#include "elf.h"
#include "errno.h"
#include "gdb.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "sched.h"
#include "signal_frame.h"
#include "thread.h"
#include "uaccess.h"
#include "vdso.h"
#include "vfs.h"
#include "vma.h"
#include "x86.h"

#define ARGS_MAX (2UL << 20)      /* argv and envp strings together: Linux's limit for an 8 MiB stack */
#define ARG_STRLEN_MAX (128UL << 10) /* one string (MAX_ARG_STRLEN) */
#define ARGV_MAX 0x7fffffff
#define SCRIPT_DEPTH 4
#define SHEBANG_MAX 256           /* the first line of a script that is read (BINPRM_BUF_SIZE) */

enum {
	AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8,
	AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16,
	AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_EXECFN = 31, AT_SYSINFO_EHDR = 33,
	AT_MINSIGSTKSZ = 51,
};

/* The new program's argv and envp strings, back to back (argv first), in a window of kernel
 * memory of the calling thread's own (an exec may sleep while other threads end). */
struct args {
	char *base;
	u64 len, mapped;
	int argc, envc;
};

static bool args_room(struct args *a, u64 len)
{
	while (a->mapped < len) {
		u64 pa = pmm_alloc_uninit();
		if (!pa || !vmm_map_kernel((u64)a->base + a->mapped, pa, PTE_P | PTE_W | PTE_NX)) {
			if (pa)
				pmm_free(pa);
			return false;
		}
		a->mapped += PAGE_SIZE;
	}
	return true;
}

static void args_release(struct args *a)
{
	for (u64 off = 0; off < a->mapped; off += PAGE_SIZE) {
		u64 *pte = vmm_pte(vmm_kernel_root(), (u64)a->base + off, false);
		pmm_free(*pte & PTE_ADDR);
		*pte = 0;
		invlpg((u64)a->base + off);
	}
	a->mapped = a->len = 0;
}

static long add_string(struct args *a, const char *s)
{
	u64 n = strlen(s) + 1;
	if (n > ARG_STRLEN_MAX || a->len + n > ARGS_MAX)
		return -E2BIG;
	if (!args_room(a, a->len + n))
		return -ENOMEM;
	memcpy(a->base + a->len, s, n);
	a->len += n;
	return 0;
}

/* Copies one of the app's strings, a page at a time (its length is not known in advance). */
static long add_user_string(struct args *a, u64 src)
{
	u64 start = a->len;
	for (;;) {
		u64 room = MIN(PAGE_SIZE, ARGS_MAX - a->len);
		if (!room || a->len - start >= ARG_STRLEN_MAX)
			return -E2BIG;
		if (!args_room(a, a->len + room))
			return -ENOMEM;
		long n = string_from_user(a->base + a->len, src, room);
		if (n >= 0) {
			a->len += (u64)n + 1;
			return a->len - start > ARG_STRLEN_MAX ? -E2BIG : 0;
		}
		if (n != -ENAMETOOLONG)
			return n;
		a->len += room;
		src += room;
	}
}

/* The app's NULL-terminated vector of strings at uvec (0: none), from index `from`. */
static long add_user_vector(struct args *a, u64 uvec, int from, int *count)
{
	for (int i = 0; uvec; i++) {
		u64 p;
		if (copy_from_user(&p, uvec + (u64)i * 8, 8))
			return -EFAULT;
		if (!p)
			break;
		if (i == ARGV_MAX)
			return -E2BIG;
		if (i < from)
			continue;
		long err = add_user_string(a, p);
		if (err)
			return err;
		(*count)++;
	}
	return 0;
}

/* The program to run, and the `#!` lines that led to it: each level's interpreter and argument
 * (maybe none) go before the path given to execve, in place of the app's argv[0]. */
struct target {
	struct file *f;
	struct elf_program *prog;
	int levels;
	char *interp[SCRIPT_DEPTH], *arg[SCRIPT_DEPTH];
	char lines[SCRIPT_DEPTH][SHEBANG_MAX];
};

static long open_executable(const char *path, struct file **out)
{
	struct file *f;
	long err = vfs_open(path, O_RDONLY, 0, &f);
	if (err)
		return err;
	struct kstat st;
	vfs_getattr(f->ino, &st);
	if (!S_ISREG(st.mode) || !(st.mode & 0111)) {
		vfs_close(f);
		return -EACCES;
	}
	*out = f;
	return 0;
}

/* A `#!` line: the interpreter and its optional argument (the rest of the line, trimmed), as
 * Linux's binfmt_script reads it. False when the file does not start with "#!". */
static bool shebang(struct file *f, char *line, char **interp, char **arg)
{
	long n = vfs_pread(f, line, SHEBANG_MAX - 1, 0);
	if (n < 2 || line[0] != '#' || line[1] != '!')
		return false;
	line[n] = 0;
	char *end = strchr(line, '\n');
	if (end)
		*end = 0;
	char *p = line + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	*interp = p;
	while (*p && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = 0;
	while (*p == ' ' || *p == '\t')
		p++;
	char *last = p + strlen(p);
	while (last > p && (last[-1] == ' ' || last[-1] == '\t'))
		*--last = 0;
	*arg = *p ? p : NULL;
	return true;
}

/* Opens path and follows `#!` lines to an ELF program, checked. */
static long find_program(const char *path, struct target *t)
{
	const char *name = path;
	for (int depth = 0;; depth++) {
		long err = open_executable(name, &t->f);
		if (err)
			return err;
		err = elf_prepare(t->f, name, &t->prog);
		if (err != -ENOEXEC || depth == SCRIPT_DEPTH)
			return err;
		char *interp, *arg;
		if (!shebang(t->f, t->lines[depth], &interp, &arg) || !*interp)
			return -ENOEXEC;
		t->interp[t->levels] = interp;
		t->arg[t->levels++] = arg;
		vfs_close(t->f);
		t->f = NULL;
		name = interp;
	}
}

static void target_release(struct target *t)
{
	if (t->prog)
		elf_release(t->prog);
	if (t->f)
		vfs_close(t->f);
}

/* A script's argv starts with the last interpreter found and its argument, back to the first one,
 * then the path given to execve. */
static long add_prefix(struct args *a, const struct target *t, const char *path)
{
	for (int k = t->levels - 1; k >= 0; k--) {
		long err = add_string(a, t->interp[k]);
		if (!err && t->arg[k])
			err = add_string(a, t->arg[k]);
		if (err)
			return err;
		a->argc += 1 + (t->arg[k] != NULL);
	}
	a->argc++;
	return add_string(a, path);
}

static bool push_bytes(u64 *sp, const void *p, size_t n)
{
	*sp -= n;
	return copy_to_user(*sp, p, n) == 0;
}

/* Writes the pointer vector for n strings stored back to back at the user address block. */
static bool put_pointers(u64 *at, int n, const char *kstrings, u64 block)
{
	for (int i = 0; i < n; i++) {
		if (copy_to_user(*at, &block, 8))
			return false;
		*at += 8;
		u64 len = strlen(kstrings) + 1;
		kstrings += len;
		block += len;
	}
	u64 zero = 0;
	bool ok = copy_to_user(*at, &zero, 8) == 0;
	*at += 8;
	return ok;
}

/* The initial stack, laid out as Linux does: argc, argv[], NULL, envp[], NULL, auxv, then the
 * strings and AT_RANDOM bytes near the top. Returns the stack pointer, or 0. */
static u64 build_stack(struct mm *mm, const struct exec_image *img, const struct args *a, const char *execfn)
{
	/* 8 MiB stack; the page below it stays unmapped as a guard */
	if (!vma_map(mm, STACK_TOP - STACK_SIZE, STACK_TOP, PROT_READ | PROT_WRITE))
		return 0;
	u64 sp = STACK_TOP - 16, rnd[2] = { entropy_u64(), entropy_u64() };
	bool ok = push_bytes(&sp, execfn, strlen(execfn) + 1);
	u64 execfn_addr = sp;
	ok = ok && push_bytes(&sp, "x86_64", 7);
	u64 platform_addr = sp;
	ok = ok && push_bytes(&sp, rnd, sizeof(rnd));
	u64 random_addr = sp;
	ok = ok && push_bytes(&sp, a->base, a->len);
	u64 block = sp;
	if (!ok)
		return 0;
	u64 argv_bytes = 0;
	for (int i = 0; i < a->argc; i++)
		argv_bytes += strlen(a->base + argv_bytes) + 1;
	mm->arg_start = block;
	mm->arg_end = block + argv_bytes;
	u64 auxv[] = {
		AT_PHDR, img->phdr, AT_PHENT, 56, AT_PHNUM, img->phnum, AT_PAGESZ, PAGE_SIZE,
		AT_BASE, img->interp_base, AT_FLAGS, 0, AT_ENTRY, img->app_entry,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0,
		AT_SECURE, 0, AT_RANDOM, random_addr, AT_HWCAP, cpu_hwcap(), AT_HWCAP2, 0,
		AT_PLATFORM, platform_addr, AT_EXECFN, execfn_addr, AT_CLKTCK, USER_HZ,
		AT_MINSIGSTKSZ, ALIGN_UP(cpu_xsave_size() + 1024, 16), AT_SYSINFO_EHDR, VDSO_BASE, AT_NULL, 0,
	};
	const struct cred *c = &current->proc->cred;
	auxv[15] = c->uid.r, auxv[17] = c->uid.e, auxv[19] = c->gid.r, auxv[21] = c->gid.e;
	u64 words = 1 + (u64)a->argc + 1 + (u64)a->envc + 1 + ARRAY_LEN(auxv);
	sp = ALIGN_DOWN(ALIGN_DOWN(sp, 16) - words * 8, 16); /* rsp is 16-byte aligned at argc */
	u64 at = sp, argc64 = (u64)a->argc;
	ok = copy_to_user(at, &argc64, 8) == 0;
	at += 8;
	ok = ok && put_pointers(&at, a->argc, a->base, block) &&
	     put_pointers(&at, a->envc, a->base + argv_bytes, block + argv_bytes) && copy_to_user(at, auxv, sizeof(auxv)) == 0;
	mm->auxv_at = at;
	mm->auxv_len = sizeof(auxv);
	return ok ? sp : 0;
}

/* The calling thread's window for the arguments (a thread execs at most once at a time). */
static char *args_window(void) { return (char *)(EXEC_AREA + (u64)thread_slot(current) * ARGS_MAX); }

/* Ends the process's other threads (they stop on their way out of the kernel) and waits for them:
 * -EAGAIN when another thread is already doing that (it execs or the process exits). */
static long become_single_threaded(void)
{
	struct proc *p = current->proc;
	if (p->threads == 1)
		return 0;
	if (p->execing || p->exiting)
		return -EAGAIN;
	p->execing = current;
	for (struct thread *t = p->thread_list; t; t = t->proc_next) {
		if (t != current) {
			t->killed = true;
			sched_signal_wake(t);
		}
	}
	while (p->threads > 1 && !p->exiting)
		sched_block(NULL, 0, false);
	p->execing = NULL;
	return p->exiting ? -EAGAIN : 0;
}

/* What a new program starts with in the process and the thread. */
static void fresh_start(struct proc *p, const char *exe, const char *name)
{
	fd_close_on_exec();
	if (p->sighand->refs > 1) { /* shared with another process (CLONE_SIGHAND): a copy of its own */
		struct sighand *h = sighand_copy(p->sighand);
		if (h) {
			sighand_put(p->sighand);
			p->sighand = h;
		}
	}
	sighand_reset_caught(p->sighand);
	proc_set_exe(p, exe);
	proc_set_comm(p, name);
	p->did_exec = true;
	struct thread *t = current;
	t->tid = p->pid; /* a thread other than the first one takes over the pid */
	t->sig.altstack = (struct stack_k){ 0 };
	t->clear_child_tid = t->robust_list = 0;
	thread_set_fs_base(0);
	thread_set_gs_base(0);
	fpu_reset();
}

/* Past this point the old program is gone: a failure ends the process. */
static long replace_image(const char *path, const struct args *a, struct target *t, struct regs *r)
{
	struct proc *p = current->proc;
	struct mm *mm = mm_new();
	if (!mm)
		return -ENOMEM;
	long err = become_single_threaded();
	if (err) {
		mm_put(mm);
		return err;
	}
	struct mm *old = p->mm;
	p->mm = mm;
	mm_switch(mm);
	mm_put(old);
	vdso_ids_changed(); /* a vfork parent has its address space to itself again */
	proc_vfork_done(p);
	struct exec_image img;
	err = elf_map(t->prog, path, &img);
	u64 sp = err || !vdso_map(mm) ? 0 : build_stack(mm, &img, a, path);
	if (!sp) {
		if (err == -ENOEXEC)
			kerr("%sexecve(%s): the new program could not be loaded (bad segments): the process ends", proc_label(p), path);
		else
			kerr("%sexecve(%s): out of memory loading the program into the VM's %lu MiB of RAM (raise it with -m %luM): the process ends",
			     proc_label(p), path, pmm_ram_mib(), 2 * pmm_ram_mib());
		proc_exit(SIGKILL);
	}
	mm->load_bias = img.bias;
	mm->brk_start = mm->brk = img.brk_start;
	/* /proc/PID/exe names the file with its symlinks followed, as Linux's does */
	const char *opened = t->f->path ? t->f->path : path;
	char *exe = pathbuf_get();
	fresh_start(p, exe && !vfs_realpath(opened, exe, PATH_MAX) ? exe : opened, path);
	pathbuf_put(exe);
	u64 vector = r->vector;
	memset(r, 0, sizeof(*r));
	r->vector = vector;
	r->rip = img.entry;
	r->rsp = sp;
	r->cs = USER_CS;
	r->ss = USER_DS;
	r->rflags = 0x202;
	kinfo("exec %s: entry %lx, stack %lx, %lu KiB free", path, img.entry, sp, pmm_free_bytes() >> 10);
	gdb_exec(path, img.entry);
	return 0;
}

long proc_execve(const char *path, u64 uargv, u64 uenvp)
{
	struct target *t = kzalloc(sizeof(*t));
	if (!t)
		return -ENOMEM;
	struct args a = { .base = args_window() };
	long err = find_program(path, t);
	if (!err && t->levels)
		err = add_prefix(&a, t, path);
	if (!err)
		err = add_user_vector(&a, uargv, t->levels ? 1 : 0, &a.argc);
	if (!err && !a.argc && !(err = add_string(&a, ""))) /* as Linux 5.18+: argv[0] is never missing */
		a.argc = 1;
	if (!err)
		err = add_user_vector(&a, uenvp, 0, &a.envc);
	if (!err)
		err = replace_image(path, &a, t, current_regs);
	target_release(t);
	kfree(t);
	args_release(&a);
	return err;
}

void exec_first(const char *path, int argc, const char **argv, int envc, const char **envp, struct regs *r)
{
	struct target *t = kzalloc(sizeof(*t));
	struct args a = { .base = args_window() };
	long err = t ? find_program(path, t) : -ENOMEM;
	if (err) {
		/* as a shell: 127 when the program is not there, 126 when it is but cannot run */
		struct file *f;
		bool exists = !vfs_open(path, O_PATH, 0, &f);
		if (exists)
			vfs_close(f);
		kerr("the app %s cannot be run (error %ld)", path, -err);
		power_off(exists ? 126 : 127);
	}
	if (t->levels)
		err = add_prefix(&a, t, path);
	for (int i = t->levels ? 1 : 0; i < argc && !err; i++, a.argc++)
		err = add_string(&a, argv[i]);
	for (int i = 0; i < envc && !err; i++, a.envc++)
		err = add_string(&a, envp[i]);
	if (!err)
		err = replace_image(path, &a, t, r);
	if (err) {
		kerr("the app %s cannot be started (error %ld)", path, -err);
		power_off(126);
	}
	target_release(t);
	kfree(t);
	args_release(&a);
}
