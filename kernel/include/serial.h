/* 16550 UARTs: COM1 carries the app's stdin/stdout, COM2 its stderr. */
#pragma once
#include "types.h"

#define COM1 0x3f8
#define COM2 0x2f8

void serial_init(u16 port);
void serial_write(u16 port, const u8 *buf, size_t len);
bool serial_can_read(u16 port);
u8 serial_read_byte(u16 port);
/* 16-byte FIFOs, interrupt at 14 received bytes (or a pause); clears what the receiver holds. */
void serial_enable_fifo(u16 port);
/* An interrupt (the port's ISA IRQ) while received data waits. */
void serial_enable_rx_irq(u16 port);
