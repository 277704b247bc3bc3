/* The bundle (IMAGE.md) and its cpio "newc" initrd, read in place through the direct map. */
#include "bundle.h"
#include "lib.h"
#include "log.h"
#include "mm.h"

/* Patched by the packager; 0 means the image has no bundle. */
u64 ukify_bundle_paddr __attribute__((section(".data"))) = 0;

struct bundle_header {
	char magic[8];
	u32 version, header_size;
	u64 total_size, initrd_off, initrd_size, args_off;
	u32 argc, envc;
	u64 env_off;
};

static const struct bundle_header *hdr;
static const u8 *base;

bool bundle_open(u64 ram_top)
{
	if (!ukify_bundle_paddr) {
		kerr("this image has no bundle (build it with ukify build)");
		return false;
	}
	if (ukify_bundle_paddr + sizeof(*hdr) > ram_top) {
		kerr("bundle at %lx is outside RAM (%lx bytes): give the VM more memory", ukify_bundle_paddr, ram_top);
		return false;
	}
	base = phys_to_virt(ukify_bundle_paddr);
	hdr = (const struct bundle_header *)base;
	if (memcmp(hdr->magic, "UKIFYBN1", 8) || hdr->version != 1 || hdr->header_size != 64) {
		kerr("bad bundle header at %lx", ukify_bundle_paddr);
		return false;
	}
	u64 t = hdr->total_size;
	if (ukify_bundle_paddr + t > ram_top || hdr->initrd_off > t || hdr->initrd_size > t - hdr->initrd_off ||
	    hdr->args_off > t || hdr->env_off > t || hdr->argc == 0 || hdr->argc > 4096 || hdr->envc > 4096) {
		kerr("bundle fields out of range (or RAM too small for its %lu bytes)", t);
		return false;
	}
	return true;
}

void bundle_extent(u64 *start, u64 *end)
{
	*start = ukify_bundle_paddr;
	*end = ukify_bundle_paddr + (hdr ? hdr->total_size : 0);
}

/* Splits n NUL-terminated strings starting at off (bounded by the bundle's end). */
static const char **split_strings(u64 off, u32 n)
{
	const char **v = kmalloc(sizeof(char *) * (n + 1));
	if (!v)
		panic("out of memory reading the bundle");
	const char *p = (const char *)base + off, *end = (const char *)base + hdr->total_size;
	for (u32 i = 0; i < n; i++) {
		v[i] = p;
		while (p < end && *p)
			p++;
		if (p == end)
			panic("bundle strings run past its end");
		p++;
	}
	v[n] = NULL;
	return v;
}

void bundle_args(struct boot_args *out)
{
	out->argc = (int)hdr->argc;
	out->envc = (int)hdr->envc;
	out->argv = split_strings(hdr->args_off, hdr->argc);
	out->envp = split_strings(hdr->env_off, hdr->envc);
}

void bundle_initrd(const u8 **data, u64 *size)
{
	*data = base + hdr->initrd_off;
	*size = hdr->initrd_size;
}

static u64 hex8(const char *s)
{
	u64 v;
	parse_u64(s, 8, 16, &v);
	return v;
}

static const char *skip_dot_slash(const char *p)
{
	for (;;) {
		if (p[0] == '/')
			p++;
		else if (p[0] == '.' && p[1] == '/')
			p += 2;
		else
			return p;
	}
}

bool initrd_find(const char *path, struct file_ref *out)
{
	path = skip_dot_slash(path);
	const u8 *p = base + hdr->initrd_off, *end = p + hdr->initrd_size;
	while (p + 110 <= end && !memcmp(p, "070701", 6)) {
		const char *h = (const char *)p;
		u64 mode = hex8(h + 14), mtime = hex8(h + 46), size = hex8(h + 54), namesize = hex8(h + 94);
		const char *name = h + 110;
		u64 data_off = ALIGN_UP(110 + namesize, 4);
		if (namesize == 0 || data_off + size > (u64)(end - p))
			break;
		if (!strcmp(name, "TRAILER!!!"))
			break;
		if (!strcmp(skip_dot_slash(name), path)) {
			*out = (struct file_ref){ p + data_off, size, (u32)mode, mtime };
			return true;
		}
		p += ALIGN_UP(data_off + size, 4);
	}
	return false;
}
