/* Process state, exit and fatal signals (delivery to handlers: signal*.c). */
#include "proc.h"
#include "cpu.h"
#include "log.h"
#include "net.h"
#include "symbols.h"

struct proc proc;

void proc_exit(int status)
{
	net_exit();
	power_off(status & 0xff);
}

void proc_fatal_signal(struct regs *r, int sig, const char *what, u64 addr)
{
	char where[160];
	symbol_describe(r->rip - proc.load_bias, where, sizeof(where));
	kerr("%s (%s) at address %lx, rip %lx in %s", signal_name(sig), what, addr, r->rip, where);
	dump_regs(r);
	power_off(128 + sig);
}
