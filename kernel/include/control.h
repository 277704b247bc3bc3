/* The runner's requests on COM2's input (control.c). */
#pragma once

#define CONTROL_VECTOR 0x23 /* COM2's receive interrupt (ISA IRQ 3) */

void control_init(void);
void control_irq(void); /* the handler for CONTROL_VECTOR */
