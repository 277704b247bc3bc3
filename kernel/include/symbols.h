/* The app's function symbols (/.ukify/symbols in the initrd) for fault reports. */
#pragma once
#include "types.h"

/* Writes "name+0xoff" (or the bare address) for a link-time address into buf; false when no
 * symbol holds the address. */
bool symbol_describe(u64 link_addr, char *buf, size_t size);
