/* Process state, exit and fatal signals (signal delivery to handlers comes later). */
#include "proc.h"
#include "cpu.h"
#include "log.h"
#include "symbols.h"

struct proc proc;

static const char *const signal_names[32] = {
	[4] = "SIGILL", [5] = "SIGTRAP", [6] = "SIGABRT", [7] = "SIGBUS", [8] = "SIGFPE", [9] = "SIGKILL",
	[11] = "SIGSEGV",
};

void proc_exit(int status)
{
	power_off(status & 0xff);
}

void proc_fatal_signal(struct regs *r, int sig, const char *what, u64 addr)
{
	char where[160];
	symbol_describe(r->rip - proc.load_bias, where, sizeof(where));
	const char *name = sig < 32 && signal_names[sig] ? signal_names[sig] : "signal";
	kerr("%s (%s) at address %lx, rip %lx in %s", name, what, addr, r->rip, where);
	dump_regs(r);
	power_off(128 + sig);
}
