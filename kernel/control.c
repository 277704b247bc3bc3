/* Requests from the runner, on COM2's input (COM2's output is the app's stderr): the byte 's'
 * asks for a graceful stop, as `ukify run` does on Ctrl-C or SIGTERM: every process gets SIGTERM,
 * and the VM stops when they have ended (the runner gives them a grace period, then powers the VM
 * off itself). Other bytes are ignored. */
#include "control.h"
#include "ioapic.h"
#include "log.h"
#include "proc.h"
#include "serial.h"

#define COM2_IRQ 3
#define STOP_REQUEST 's'

void control_init(void)
{
	ioapic_route(COM2_IRQ, CONTROL_VECTOR);
	serial_enable_rx_irq(COM2);
}

static void stop_everything(void)
{
	struct siginfo_k info = { .signo = SIGTERM, .code = SI_KERNEL };
	int n = 0;
	for (struct proc *p = proc_first(); p; p = p->next)
		if (p->state == PROC_ALIVE) {
			signal_send(p, &info);
			n++;
		}
	kwarn("stop requested: SIGTERM sent to %d process%s", n, n == 1 ? "" : "es");
}

void control_irq(void)
{
	while (serial_can_read(COM2))
		if (serial_read_byte(COM2) == STOP_REQUEST)
			stop_everything();
}
