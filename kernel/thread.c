/* Threads: each one owns a slot of kernel virtual memory holding, from the bottom, an unmapped
 * guard page, its kernel stack, its struct thread and its FPU image. Dead threads keep their slot
 * for the next clone (their stack may still be in use until the scheduler has switched away). */
#include "thread.h"
#include "errno.h"
#include "futex.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "proc.h"
#include "run_stats.h"
#include "sched.h"
#include "uaccess.h"
#include "vdso.h"
#include "x86.h"

#define SLOT_SIZE 0x10000UL
#define KSTACK_PAGES 8
#define STRUCT_PAGES ((sizeof(struct thread) + PAGE_SIZE - 1) / PAGE_SIZE)
#define CR4_OSXSAVE (1UL << 18)

static struct thread *slots[MAX_THREADS];
static int nslots;

struct thread *thread_at(int i) { return i < nslots ? slots[i] : NULL; }
int thread_slot(const struct thread *t) { return (int)(((u64)t - THREAD_AREA) / SLOT_SIZE); }

struct thread *thread_find(int tid)
{
	for (int i = 0; i < nslots; i++)
		if (slots[i] && slots[i]->tid == tid && slots[i]->state != T_DEAD)
			return slots[i];
	return NULL;
}

static bool map_pages(u64 va, u64 n)
{
	for (u64 i = 0; i < n; i++) {
		u64 pa = pmm_alloc();
		if (!pa || !vmm_map_kernel(va + i * PAGE_SIZE, pa, PTE_P | PTE_W | PTE_NX))
			return false; /* the slot stays half mapped; it is not reused */
	}
	return true;
}

/* A new slot: the struct and FPU pages always, the stack unless the thread has one (tid 1). */
static struct thread *new_slot(bool with_stack)
{
	u64 fpu_pages = (cpu_xsave_size() + PAGE_SIZE - 1) / PAGE_SIZE;
	if (nslots == MAX_THREADS)
		return NULL;
	if ((1 + KSTACK_PAGES + STRUCT_PAGES + fpu_pages) * PAGE_SIZE > SLOT_SIZE)
		panic("thread slot too small for an FPU image of %lu bytes", cpu_xsave_size());
	u64 base = THREAD_AREA + (u64)nslots * SLOT_SIZE;
	u64 stack = base + PAGE_SIZE, stack_top = stack + KSTACK_PAGES * PAGE_SIZE;
	if ((with_stack && !map_pages(stack, KSTACK_PAGES)) || !map_pages(stack_top, STRUCT_PAGES + fpu_pages))
		return NULL;
	struct thread *t = (struct thread *)stack_top;
	t->kstack_top = stack_top;
	t->fpu = (u8 *)(stack_top + STRUCT_PAGES * PAGE_SIZE);
	slots[nslots++] = t;
	return t;
}

static bool has_xsave(void)
{
	static int known; /* 0: not yet read, 1: no, 2: yes */
	if (!known)
		known = read_cr4() & CR4_OSXSAVE ? 2 : 1;
	return known == 2;
}

void thread_fpu_save(struct thread *t)
{
	if (has_xsave())
		__asm__ volatile("xsave64 (%0)" : : "r"(t->fpu), "a"(~0U), "d"(~0U) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" : : "r"(t->fpu) : "memory");
}

void thread_fpu_load(struct thread *t)
{
	if (has_xsave())
		__asm__ volatile("xrstor64 (%0)" : : "r"(t->fpu), "a"(~0U), "d"(~0U) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" : : "r"(t->fpu) : "memory");
}

static void join(struct proc *p, struct thread *t, int tid)
{
	run_stats.threads++;
	t->tid = tid;
	t->proc = p;
	t->proc_next = p->thread_list;
	p->thread_list = t;
	p->threads++;
}

static void leave(struct thread *t)
{
	struct thread **link = &t->proc->thread_list;
	while (*link != t)
		link = &(*link)->proc_next;
	*link = t->proc_next;
	t->proc->threads--;
	vdso_ids_changed(); /* one thread left: gettid has one answer again */
}

struct thread *thread_boot(struct proc *p, int tid)
{
	struct thread *t = new_slot(false);
	if (!t)
		panic("out of memory for the first thread");
	__asm__ volatile("movq %%gs:0, %0" : "=r"(t->kstack_top)); /* the boot kernel stack */
	join(p, t, tid);
	t->state = T_RUNNING;
	t->fs_base = rdmsr(MSR_FS_BASE);
	current = t;
	return t;
}

struct thread *thread_create(struct proc *p, int tid, const struct regs *regs)
{
	struct thread *t = NULL;
	for (int i = 0; i < nslots && !t; i++)
		if (slots[i]->state == T_DEAD && slots[i] != current)
			t = slots[i];
	if (!t && !(t = new_slot(true)))
		return NULL;
	u64 top = t->kstack_top;
	u8 *fpu = t->fpu;
	memset(t, 0, sizeof(*t));
	t->kstack_top = top;
	t->fpu = fpu;
	join(p, t, tid);
	t->fs_base = current->fs_base;
	t->gs_base = current->gs_base;
	t->sig.blocked = current->sig.blocked; /* the mask is inherited, the alternate stack is not */
	thread_fpu_save(t);                     /* and the FPU registers, as they are now */
	*thread_regs(t) = *regs;
	/* what switch_stacks pops: six callee-saved registers, then its return address */
	u64 *sp = (u64 *)thread_regs(t);
	*--sp = (u64)thread_start;
	for (int i = 0; i < 6; i++)
		*--sp = 0;
	t->ksp = (u64)sp;
	sched_add(t);
	return t;
}

void thread_started(void)
{
	u32 tid = (u32)current->tid;
	if (current->set_child_tid)
		copy_to_user(current->set_child_tid, &tid, 4); /* as Linux, a bad address is not an error */
	current->set_child_tid = 0;
	vdso_ids_before_user();
	run_stats_to_user(); /* thread_start goes on to ring 3 */
}

void thread_exit(int wait_status)
{
	struct thread *t = current;
	struct proc *p = t->proc;
	/* as Linux, a process whose threads all called exit() reports its first thread's status */
	if (t->tid == p->pid && !p->exiting)
		p->exit_status = wait_status;
	if (t->clear_child_tid) {
		u32 zero = 0;
		if (!copy_to_user(t->clear_child_tid, &zero, 4))
			futex_wake(t->clear_child_tid, 1, FUTEX_BITSET_ANY);
	}
	leave(t);
	if (p->execing && p->threads == 1)
		sched_wake(p->execing, WAKE_UP);
	if (!p->threads)
		proc_end(p);
	sched_exit();
}

void thread_set_fs_base(u64 base)
{
	current->fs_base = base;
	wrmsr(MSR_FS_BASE, base);
}

void thread_set_gs_base(u64 base)
{
	current->gs_base = base;
	wrmsr(MSR_KERNEL_GS_BASE, base); /* the user's GS base while we run after swapgs */
}
