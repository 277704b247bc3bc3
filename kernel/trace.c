/* `ukify run --strace`: a record of each syscall's entry and return, written to port 0xea (a
 * debugcon of its own) for the runner to decode and print in strace's format (runner/strace/). The
 * kernel does no formatting: a record holds the numbers (syscall, pid, tid, time, arguments or
 * result) and copies of the user memory that strace would show, as the generated table says per
 * argument (syscall-shim/trace.json): a path at entry, a read's bytes at return. A signal taken for
 * delivery, and a process's end by a signal, have records too. The layout is in
 * kernel/IMAGE.md. Off unless the command line says `strace`: then each syscall costs one test. */
#include "trace.h"
#include "clock.h"
#include "lib.h"
#include "mm.h"
#include "process.h"
#include "sched.h"
#include "uaccess.h"

#define TRACE_PORT 0xea
#define MAX_RECORD 4096
#define ARGV_MAX 16 /* strings of an argv shown */

enum { REC_ENTER = 1, REC_EXIT = 2, REC_SIGNAL = 3, REC_KILLED = 4 };
#define SIGINFO_SHOWN 48 /* signo, errno, code, pad and the union's first 32 bytes */
enum { CAP_TRUNCATED = 1, CAP_FAULT = 2 };

struct record_head {
	u16 size; /* of the whole record */
	u8 type;
	u8 ncap;
	u16 nr;
	u16 zero;
	u32 pid, tid;
	u64 ns; /* CLOCK_REALTIME */
} __attribute__((packed));

struct capture_head {
	u8 arg, flags;
	u16 len;
} __attribute__((packed));

bool trace_on;

/* One record at a time: the kernel is not preempted and runs on one CPU. */
static u8 rec[MAX_RECORD];
static u32 used;

static void put(const void *p, u32 n)
{
	memcpy(rec + used, p, n);
	used += n;
}

static void begin_for(u8 type, u64 nr, u32 pid, u32 tid)
{
	struct record_head h = { .type = type, .nr = (u16)nr, .pid = pid, .tid = tid, .ns = clock_realtime_ns() };
	used = 0;
	put(&h, sizeof h);
}

static void begin(u8 type, u64 nr)
{
	begin_for(type, nr, (u32)current->proc->pid, (u32)current->tid);
}

static void emit(void)
{
	struct record_head *h = (struct record_head *)rec;
	h->size = (u16)used;
	const u8 *s = rec;
	u64 n = used;
	__asm__ volatile("rep outsb" : "+S"(s), "+c"(n) : "d"((u16)TRACE_PORT) : "memory");
}

/* Copies up to max bytes of a string at addr, stopping after its NUL; the bytes copied. */
static u32 copy_string(u8 *dst, u64 addr, u32 max, u8 *flags)
{
	u32 n = 0;
	while (n < max) {
		u32 chunk = MIN(max - n, (u32)(PAGE_SIZE - ((addr + n) & (PAGE_SIZE - 1))));
		if (copy_from_user(dst + n, addr + n, chunk)) {
			*flags |= CAP_FAULT;
			return n;
		}
		for (u32 i = 0; i < chunk; i++)
			if (dst[n + i] == 0)
				return n + i + 1;
		n += chunk;
	}
	*flags |= CAP_TRUNCATED;
	return n;
}

/* The strings of a NULL-terminated array at addr, each with its NUL, up to max bytes. */
static u32 copy_argv(u8 *dst, u64 addr, u32 max, u8 *flags)
{
	u32 n = 0;
	for (int i = 0;; i++) {
		u64 p;
		if (copy_from_user(&p, addr + 8 * (u64)i, 8)) {
			*flags |= CAP_FAULT;
			return n;
		}
		if (!p)
			return n;
		if (i == ARGV_MAX || n >= max) {
			*flags |= CAP_TRUNCATED;
			return n;
		}
		n += copy_string(dst + n, p, max - n, flags);
		if (*flags & CAP_FAULT)
			return n;
	}
}

static void capture(int arg, const struct trace_capture *c, const u64 args[6], long ret)
{
	u64 addr = args[arg], want = 0;
	u32 room = MAX_RECORD - used - (u32)sizeof(struct capture_head);
	struct capture_head h = { .arg = (u8)arg };
	u8 *data = rec + used + sizeof h;
	u32 len = 0;
	if (!addr || room < 16)
		return; /* NULL: nothing to show but the pointer */
	switch (c->how) {
	case TC_CSTR:
		len = copy_string(data, addr, MIN(c->size, room), &h.flags);
		break;
	case TC_ARGV:
		len = copy_argv(data, addr, MIN(c->size, room), &h.flags);
		break;
	case TC_DEREF: {
		u32 n;
		if (copy_from_user(&n, args[c->k], 4))
			return;
		want = n;
		break;
	}
	case TC_FIXED: want = c->size; break;
	case TC_ARG: want = args[c->k]; break;
	case TC_RET: want = ret > 0 ? (u64)ret : 0; break;
	case TC_ARG_TIMES: want = args[c->k] * c->size; break;
	case TC_RET_TIMES: want = ret > 0 ? (u64)ret * c->size : 0; break;
	}
	if (c->how != TC_CSTR && c->how != TC_ARGV) {
		u32 cap = c->how == TC_ARG || c->how == TC_RET || c->how == TC_DEREF ? c->size : 1024;
		len = (u32)MIN(want, (u64)MIN(cap, room));
		if (len < want)
			h.flags |= CAP_TRUNCATED;
		if (len && copy_from_user(data, addr, len)) {
			h.flags |= CAP_FAULT;
			len = 0;
		}
	}
	h.len = (u16)len;
	put(&h, sizeof h);
	used += len;
	((struct record_head *)rec)->ncap++;
}

static void captures(u64 nr, enum trace_when when, const u64 args[6], long ret)
{
	if (nr >= SYSCALL_COUNT)
		return;
	for (int i = 0; i < 6; i++)
		if (trace_captures[nr][i].when == when)
			capture(i, &trace_captures[nr][i], args, ret);
}

void trace_enter(u64 nr, const u64 args[6])
{
	begin(REC_ENTER, nr);
	put(args, 6 * sizeof(u64));
	captures(nr, TC_ENTRY, args, 0);
	emit();
}

void trace_exit(u64 nr, const u64 args[6], long ret, u64 ns)
{
	begin(REC_EXIT, nr);
	put(&ret, sizeof ret);
	put(&ns, sizeof ns);
	if (ret >= 0)
		captures(nr, TC_EXIT, args, ret);
	emit();
}

void trace_signal(const struct siginfo_k *info)
{
	begin(REC_SIGNAL, (u64)info->signo);
	put(info, SIGINFO_SHOWN);
	emit();
}

void trace_killed(const struct proc *p, int sig)
{
	begin_for(REC_KILLED, (u64)sig, (u32)p->pid, (u32)p->pid);
	emit();
}
