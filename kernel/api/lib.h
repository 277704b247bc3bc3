/* The few string and memory routines the kernel uses. */
#pragma once
#include "types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
/* Parses an unsigned number (base 10, or 16 with 0x / when base is 16); returns chars used. */
size_t parse_u64(const char *s, size_t len, unsigned base, u64 *out);
