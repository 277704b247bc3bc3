/* lwIP's port to the kernel: types from the freestanding headers, no libc. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_UNISTD_H 1
#define X8_F "02x"
#define U16_F "u"
#define S16_F "d"
#define X16_F "x"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "lu"
#define BYTE_ORDER LITTLE_ENDIAN
#define LWIP_RAND() ((u32_t)net_random())
unsigned long net_random(void);

void net_lwip_panic(const char *msg);
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) net_lwip_panic(x)
