/* Looks a link-time address up in /.ukify/symbols: lines "<hex start> <hex size> <name>". */
#include "symbols.h"
#include "bundle.h"
#include "lib.h"
#include "log.h"

bool symbol_describe(u64 addr, char *buf, size_t size)
{
	struct file_ref f;
	snprintf(buf, size, "%lx (no symbol)", addr);
	if (!initrd_find("/.ukify/symbols", &f))
		return false;
	const char *p = (const char *)f.data, *end = p + f.size;
	while (p < end) {
		const char *eol = p;
		while (eol < end && *eol != '\n')
			eol++;
		u64 start, len;
		size_t a = parse_u64(p, (size_t)(eol - p), 16, &start);
		const char *q = p + a + 1;
		size_t b = a && q < eol ? parse_u64(q, (size_t)(eol - q), 16, &len) : 0;
		const char *name = q + b + 1;
		if (b && name < eol && addr >= start && (addr < start + len || (len == 0 && addr == start))) {
			size_t n = MIN((size_t)(eol - name), size - 24);
			memcpy(buf, name, n);
			snprintf(buf + n, size - n, "+0x%lx", addr - start);
			return true;
		}
		p = eol + 1;
	}
	return false;
}
