/* GDT (kernel/user segments, TSS), IDT (every vector on an IST stack, so the CPU never pushes
 * onto the app's stack and its red zone), per-CPU data and the syscall MSRs. */
#include "cpu.h"
#include "lib.h"
#include "mm.h"
#include "x86.h"

#define IST_SIZE 16384
#define KSTACK_SIZE 32768

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3, iopb;
} __attribute__((packed));

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
} __attribute__((packed));

struct table_ptr {
	u16 limit;
	u64 base;
} __attribute__((packed));

/* STAR wants: user data = user base + 8, user code = user base + 16 (0x18 here). */
static u64 gdt[8] = {
	0,
	0x00af9a000000ffff, /* 0x08 kernel code */
	0x00cf92000000ffff, /* 0x10 kernel data */
	0x00cffa000000ffff, /* 0x18 user code 32 (unused, STAR base) */
	0x00cff2000000ffff, /* 0x20 user data */
	0x00affa000000ffff, /* 0x28 user code 64 */
	0, 0,               /* 0x30 TSS */
};
static struct tss tss;
static struct idt_gate idt[256];
static struct percpu percpu;
static u8 ist_stacks[3][IST_SIZE] __attribute__((aligned(16)));
static u8 kstack[KSTACK_SIZE] __attribute__((aligned(16)));

extern char isr_stubs[], syscall_entry[];

void gdt_init(void)
{
	u64 base = (u64)&tss;
	u64 limit = sizeof(tss) - 1;
	gdt[6] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) | ((limit >> 16) << 48) |
		 (((base >> 24) & 0xff) << 56);
	gdt[7] = base >> 32;
	for (int i = 0; i < 3; i++)
		tss.ist[i] = (u64)ist_stacks[i] + IST_SIZE;
	tss.rsp[0] = (u64)kstack + KSTACK_SIZE;
	tss.iopb = sizeof(tss);

	struct table_ptr p = { sizeof(gdt) - 1, (u64)gdt };
	__asm__ volatile("lgdt %0\n"
			 "pushq $0x08\n"
			 "leaq 1f(%%rip), %%rax\n"
			 "pushq %%rax\n"
			 "lretq\n"
			 "1: mov $0x10, %%eax\n"
			 "mov %%eax, %%ds\n"
			 "mov %%eax, %%es\n"
			 "mov %%eax, %%ss\n"
			 "ltr %w1\n"
			 :
			 : "m"(p), "r"(0x30)
			 : "rax", "memory");

	percpu.kstack_top = (u64)kstack + KSTACK_SIZE;
	wrmsr(MSR_GS_BASE, (u64)&percpu);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
}

/* IST 1: exceptions; IST 2: NMI, double fault, machine check; IST 3: device interrupts. */
void idt_init(void)
{
	for (int v = 0; v < 256; v++) {
		u64 off = (u64)isr_stubs + 16 * (u64)v;
		u8 ist = (v == 2 || v == 8 || v == 18) ? 2 : v < 32 ? 1 : 3;
		u8 dpl = (v == 3 || v == 4) ? 3 : 0; /* int3/into from user: SIGTRAP, not #GP */
		idt[v] = (struct idt_gate){
			.off_lo = (u16)off,
			.sel = KERNEL_CS,
			.ist = ist,
			.type = (u8)(0x8e | (dpl << 5)),
			.off_mid = (u16)(off >> 16),
			.off_hi = (u32)(off >> 32),
		};
	}
	struct table_ptr p = { sizeof(idt) - 1, (u64)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

void syscall_init(void)
{
	wrmsr(MSR_STAR, (0x18UL << 48) | ((u64)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (u64)syscall_entry);
	wrmsr(MSR_SFMASK, 0x47700); /* clear TF, IF, DF, IOPL, NT, AC on entry */
}
