/* The syscall allowlist. The packager writes /.ukify/allow (IMAGE.md): one line per syscall the
 * analysis found, "NR NAME"; one per syscall instruction whose number the analysis could not tell,
 * "site 0xOFFSET PATH" (the instruction's offset in that file); one per call that passes a number
 * it could not tell to a function that makes the syscall (glibc's syscall(), Go's Syscall6),
 * "call 0xOFFSET PATH" (the offset of the call's return address); and "strict" to kill with SIGSYS.
 * An unresolved site may make any syscall: the instruction itself, or any syscall made while the
 * call's return address is near the top of the stack. Sites are known by the file their page maps
 * and the offset in it, so they cost nothing until a call is about to be refused. */
#include "allowlist.h"
#include "api/fd.h"
#include "api/uaccess.h"
#include "api/vfs.h"
#include "bundle.h"
#include "errno.h"
#include "lib.h"
#include "log.h"
#include "proc.h"
#include "symbols.h"
#include "syscall.h"
#include "vdso.h"
#include "vma.h"

#define MAX_SITES 64
#define SYSCALL_INSN_LEN 2 /* 0f 05 */
#define STACK_WORDS 128    /* how far up the stack a call's return address is looked for */

bool allowlist_on;
static bool off, strict; /* allowlist=off and allowlist=strict (the command line), strict (the file) */
static u64 allowed[SYSCALL_COUNT / 64];
static u64 logged[SYSCALL_COUNT / 64];

struct site {
	bool call; /* a call's return address, not a syscall instruction */
	u64 off;
	const char *path; /* in the initrd, not NUL-terminated */
	size_t len;
	bool looked_up, found;
	u64 dev, ino;
};
static struct site sites[MAX_SITES];
static int nsites;

static void allow(u64 nr)
{
	if (nr < SYSCALL_COUNT)
		allowed[nr / 64] |= 1UL << (nr % 64);
}

static bool bit(const u64 *set, u64 nr)
{
	return set[nr / 64] & (1UL << (nr % 64));
}

static void read_line(const char *p, const char *eol)
{
	u64 n;
	size_t len = (size_t)(eol - p);
	bool call = len > 7 && !strncmp(p, "call 0x", 7);
	if (call || (len > 7 && !strncmp(p, "site 0x", 7))) {
		size_t a = parse_u64(p + 7, len - 7, 16, &n);
		const char *path = p + 7 + a + 1;
		if (!a || path >= eol || nsites == MAX_SITES) {
			kwarn("allowlist: ignoring the line '%.*s'", (int)MIN(len, 80), p);
			return;
		}
		sites[nsites++] = (struct site){ .call = call, .off = n, .path = path, .len = (size_t)(eol - path) };
	} else if (len == 6 && !strncmp(p, "strict", 6)) {
		strict = true;
	} else if (len && *p != '#') {
		if (parse_u64(p, len, 10, &n))
			allow(n);
	}
}

bool allowlist_option(const char *word)
{
	u64 n;
	size_t len = strlen(word);
	if (!strcmp(word, "allowlist=off"))
		off = true;
	else if (!strcmp(word, "allowlist=strict"))
		strict = true;
	else if (len > 6 && !strncmp(word, "allow=", 6) && parse_u64(word + 6, len - 6, 10, &n) == len - 6)
		allow(n);
	else
		return false;
	return true;
}

void allowlist_init(void)
{
	struct file_ref f;
	if (!initrd_find("/.ukify/allow", &f) || !S_ISREG(f.mode))
		return; /* an image built with --no-allowlist */
	allowlist_on = !off;
	const char *p = (const char *)f.data, *end = p + f.size;
	while (p < end) {
		const char *eol = p;
		while (eol < end && *eol != '\n')
			eol++;
		read_line(p, eol);
		p = eol + 1;
	}
	kinfo("allowlist: %s%s, %d unresolved sites", allowlist_on ? "on" : "off", strict ? " (strict)" : "", nsites);
}

/* Looks the site's file up once, on the first call that needs it (the fs is up by then). */
static bool site_file(struct site *s)
{
	if (!s->looked_up) {
		s->looked_up = true;
		char *path = pathbuf_get();
		if (!path)
			return false;
		size_t n = MIN(s->len, (size_t)PATH_MAX - 1);
		memcpy(path, s->path, n);
		path[n] = 0;
		struct inode *ino;
		if (!at_lookup(AT_FDCWD, path, 0, true, &ino)) {
			struct kstat st;
			vfs_getattr(ino, &st);
			s->dev = st.dev;
			s->ino = st.ino;
			s->found = true;
		}
		pathbuf_put(path);
	}
	return s->found;
}

/* Whether addr is one of the unresolved sites of that kind (call: a return address). */
static bool is_site(u64 addr, bool call)
{
	struct vma *v = vma_find(mm_current(), addr);
	if (!v || !v->file || addr < v->start)
		return false;
	struct kstat st;
	vfs_getattr(v->file->ino, &st);
	u64 off = addr - v->start + v->off;
	for (int i = 0; i < nsites; i++)
		if (sites[i].call == call && sites[i].off == off && site_file(&sites[i]) && sites[i].dev == st.dev && sites[i].ino == st.ino)
			return true;
	return false;
}

/* Whether an unresolved call's return address is among the words at the top of the user stack. */
static bool under_unresolved_call(u64 rsp)
{
	static u64 words[STACK_WORDS];
	u64 n = STACK_WORDS;
	if (copy_from_user(words, rsp, n * sizeof(u64))) {
		/* the stack ends within the window: what is left of its page */
		n = MIN(n, (PAGE_SIZE - rsp % PAGE_SIZE) / sizeof(u64));
		if (copy_from_user(words, rsp, n * sizeof(u64)))
			return false;
	}
	for (u64 i = 0; i < n; i++)
		if (is_site(words[i], true))
			return true;
	return false;
}

bool allowlist_allows(u64 nr) { return !allowlist_on || (nr < SYSCALL_COUNT && bit(allowed, nr)); }

bool allowlist_permits(u64 nr, const struct regs *r)
{
	return allowlist_allows(nr) || vdso_contains(mm_current(), r->rip - SYSCALL_INSN_LEN) ||
	       is_site(r->rip - SYSCALL_INSN_LEN, false) || under_unresolved_call(r->rsp);
}

/* "/lib/x86_64-linux-gnu/libc.so.6+0x9a2b0" (the offset in the file), with the program's function when its symbols know the address. */
static void describe(u64 addr, char *buf, size_t size)
{
	struct proc *p = current->proc;
	struct vma *v = vma_find(p->mm, addr);
	const char *path = v && v->file && v->file->path ? v->file->path : NULL;
	int n = path ? snprintf(buf, size, "%s+0x%lx", path, addr - v->start + v->off) : snprintf(buf, size, "0x%lx", addr);
	char fn[128];
	if (symbol_describe(addr - p->mm->load_bias, fn, sizeof(fn)) && n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " (%s)", fn);
}

long allowlist_refuse(u64 nr, struct regs *r)
{
	if (!bit(logged, nr)) {
		logged[nr / 64] |= 1UL << (nr % 64);
		char where[200];
		describe(r->rip - SYSCALL_INSN_LEN, where, sizeof(where));
		kwarn("%sallowlist: refused %s (%lu) from %s", proc_label(current->proc), syscall_names[nr], nr, where);
	}
	if (strict)
		proc_fatal_signal(r, SIGSYS, "a syscall outside the allowlist", r->rip - SYSCALL_INSN_LEN);
	return -ENOSYS;
}
