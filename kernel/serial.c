/* 16550 UART driver: output waits for the transmitter (polled); input is taken by the caller, who
 * may ask for an interrupt when data arrives. */
#include "serial.h"
#include "x86.h"

#define DATA 0
#define IER 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define LSR_DATA 0x01
#define LSR_THRE 0x20
#define IER_RX 0x01
#define FCR_ENABLE_CLEAR_TRIGGER14 0xc7

void serial_init(u16 port)
{
	outb(port + IER, 0);
	outb(port + LCR, 0x80); /* divisor latch: 115200 baud */
	outb(port + DATA, 1);
	outb(port + IER, 0);
	outb(port + LCR, 0x03); /* 8N1 */
	/* FIFOs stay off: toggling them clears the receiver, losing input that came before boot */
	outb(port + FCR, 0);
	outb(port + MCR, 0x0b);
}

void serial_write(u16 port, const u8 *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (!(inb(port + LSR) & LSR_THRE))
			cpu_relax();
		outb(port + DATA, buf[i]);
	}
}

bool serial_can_read(u16 port) { return inb(port + LSR) & LSR_DATA; }

u8 serial_read_byte(u16 port) { return inb(port + DATA); }

void serial_enable_fifo(u16 port) { outb(port + FCR, FCR_ENABLE_CLEAR_TRIGGER14); }

void serial_enable_rx_irq(u16 port) { outb(port + IER, IER_RX); }
