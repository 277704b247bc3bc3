/* Makes each syscall of NRS (a -D list of numbers) with every argument register 0, then exits.
 * Run under `strace -e raw=all -e inject=!execve,exit_group:error=ENOSYS`: no call runs (strace
 * replaces each with ENOSYS) and strace prints each one with as many arguments as its own syscall
 * table says the syscall takes. Built with -nostdlib: no libc start-up makes syscalls of its own. */
static const long nrs[] = { NRS };

static void call(long nr)
{
	register long r10 __asm__("r10") = 0, r8 __asm__("r8") = 0, r9 __asm__("r9") = 0;
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(0L), "S"(0L), "d"(0L), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	(void)ret;
}

void _start(void)
{
	for (unsigned long i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++)
		call(nrs[i]);
	__asm__ volatile("syscall" : : "a"(231L), "D"(0L)); /* exit_group(0) */
	for (;;)
		;
}
