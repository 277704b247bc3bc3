/* The record of a program's crash for the runner's backtrace (`ukify-crash:` lines on the debugcon,
 * kernel/IMAGE.md): the faulting thread's registers, the address space's file mappings and the top
 * of its stack. The runner unwinds and symbolizes on the host, with the image's own files
 * (runner/crash/): the kernel needs no unwinder and no symbols for that. */
#include "crash_record.h"
#include "fs.h"
#include "lib.h"
#include "log.h"
#include "proc.h"
#include "vma.h"

#define STACK_BYTES (32 * 1024) /* of the stack above rsp: enough for a few dozen frames */

bool crash_core;
#define LINE_BYTES 128

static void line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void line(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
	va_end(ap);
	n = MIN(n, (int)sizeof buf - 2);
	buf[n++] = '\n';
	log_raw(buf, (size_t)n);
}

static u64 stack_end(struct mm *mm, u64 rsp)
{
	struct vma *v = vma_find(mm, rsp);
	return v ? v->end : rsp;
}

/* [from, to) of the address space as `ukify-crash: KIND ADDR HEX` lines, a line within a page; pages
 * never touched (mm_read has nothing there) are left out. */
static void dump(struct mm *mm, const char *kind, u64 from, u64 to)
{
	static const char digits[] = "0123456789abcdef";
	for (u64 a = from; a < to;) {
		u8 bytes[LINE_BYTES];
		u64 want = MIN(MIN((u64)LINE_BYTES, to - a), PAGE_SIZE - (a & (PAGE_SIZE - 1)));
		long n = mm_read(mm, a, bytes, want);
		if (n <= 0) {
			a = ALIGN_DOWN(a, PAGE_SIZE) + PAGE_SIZE;
			continue;
		}
		char hex[2 * LINE_BYTES + 1];
		for (long i = 0; i < n; i++) {
			hex[2 * i] = digits[bytes[i] >> 4];
			hex[2 * i + 1] = digits[bytes[i] & 15];
		}
		hex[2 * n] = 0;
		line("ukify-crash: %s %lx %s", kind, a, hex);
		a += (u64)n;
	}
}

void crash_record(const struct regs *r, int sig)
{
	struct proc *p = current->proc;
	struct mm *mm = p->mm;
	line("ukify-crash: begin pid=%d tid=%d signal=%d", p->pid, current->tid, sig);
	line("ukify-crash: regs rip=%lx rsp=%lx rbp=%lx rbx=%lx r12=%lx r13=%lx r14=%lx r15=%lx", r->rip, r->rsp, r->rbp,
	     r->rbx, r->r12, r->r13, r->r14, r->r15);
	line("ukify-crash: regs rax=%lx rcx=%lx rdx=%lx rsi=%lx rdi=%lx r8=%lx r9=%lx r10=%lx r11=%lx", r->rax, r->rcx, r->rdx,
	     r->rsi, r->rdi, r->r8, r->r9, r->r10, r->r11);
	line("ukify-crash: regs rflags=%lx cs=%lx ss=%lx fs_base=%lx gs_base=%lx", r->rflags, r->cs, r->ss, current->fs_base,
	     current->gs_base);
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (v->file && v->file->path)
			line("ukify-crash: map %lx %lx %lx %c %s", v->start, v->end, v->off, v->prot & PROT_EXEC ? 'x' : '-',
			     v->file->path);
	dump(mm, "stack", r->rsp, MIN(stack_end(mm, r->rsp), r->rsp + STACK_BYTES));
	if (crash_core) {
		dump(mm, "auxv", mm->auxv_at, mm->auxv_at + mm->auxv_len);
		for (struct vma *v = mm->vmas; v; v = v->next)
			if (v->prot & PROT_WRITE)
				dump(mm, "memory", v->start, v->end);
	}
	line("ukify-crash: end");
}
