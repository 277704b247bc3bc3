/* String and memory routines (gcc may also call memcpy/memset for struct copies). The bulk moves
 * go 8 bytes per iteration: under QEMU's TCG every iteration of a rep string instruction is
 * emulated on its own, so movsb/stosb over pages cost 8 times more than movsq/stosq. */
#include "lib.h"

void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;
	size_t words = n / 8, rest = n % 8;
	__asm__ volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(rest) : : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	u8 *d = dst;
	const u8 *s = src;
	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	size_t words = n / 8, rest = n % 8;
	u64 pattern = (u8)c * 0x0101010101010101UL;
	__asm__ volatile("rep stosq" : "+D"(dst), "+c"(words) : "a"(pattern) : "memory");
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(rest) : "a"(pattern) : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (u8)*a - (u8)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i] || !a[i])
			return (u8)a[i] - (u8)b[i];
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c == 0 ? (char *)s : NULL;
}

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

size_t parse_u64(const char *s, size_t len, unsigned base, u64 *out)
{
	size_t i = 0;
	u64 v = 0;
	if (base == 0) {
		base = 10;
		if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
			base = 16, i = 2;
	}
	size_t first = i;
	for (; i < len; i++) {
		int d = digit_value(s[i]);
		if (d >= (int)base)
			break;
		v = v * base + (u64)d;
	}
	*out = v;
	return i == first ? 0 : i;
}
