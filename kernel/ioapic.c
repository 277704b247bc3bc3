/* The I/O APIC at its standard address (QEMU pc and microvm): ISA IRQ n is its input pin n. */
#include "ioapic.h"
#include "mm.h"

#define IOAPIC_PA 0xfec00000UL
#define IOAPIC_VA (MMIO_BASE + 0x1000) /* the page after the LAPIC's (clock.c) */
#define IOREGSEL 0x00
#define IOWIN 0x10
#define REDTBL(pin) (0x10 + 2 * (pin))

static bool mapped;

static void write_reg(u32 reg, u32 value)
{
	*(volatile u32 *)(IOAPIC_VA + IOREGSEL) = reg;
	*(volatile u32 *)(IOAPIC_VA + IOWIN) = value;
}

void ioapic_route(u32 irq, u8 vector)
{
	if (!mapped) {
		vmm_map_mmio(IOAPIC_VA, IOAPIC_PA);
		mapped = true;
	}
	write_reg(REDTBL(irq) + 1, 0); /* destination: APIC id 0 */
	write_reg(REDTBL(irq), vector); /* unmasked, edge, active high, fixed, physical */
}
