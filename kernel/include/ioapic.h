/* The I/O APIC: routes a legacy ISA interrupt line to a vector on the boot CPU's LAPIC. */
#pragma once
#include "types.h"

/* Edge-triggered, active high, fixed delivery to LAPIC 0 (QEMU's ISA lines behave so). */
void ioapic_route(u32 irq, u8 vector);
