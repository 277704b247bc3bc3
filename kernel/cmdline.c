/* Parses the kernel command line (IMAGE.md). Words are split in place into a private copy. */
#include "cmdline.h"
#include "allowlist.h"
#include "console.h"
#include "crash_record.h"
#include "gdb.h"
#include "lib.h"
#include "log.h"
#include "mm.h"
#include "run_stats.h"

#define VIRTIO_KEY "virtio_mmio.device="

static char buf[4096];
static char raw[2048];

/* Next word from *s into the buffer at *w (quotes group, \" and \\ escape); NULL at the end. */
static char *next_word(const char **s, char **w)
{
	const char *p = *s;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return NULL;
	char *start = *w, *o = *w;
	bool quoted = false;
	for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
			*o++ = *++p;
		else
			*o++ = *p;
	}
	*o++ = 0;
	*w = o;
	*s = p;
	return start;
}

void cmdline_parse(const char *s, struct cmdline *out)
{
	memset(out, 0, sizeof(*out));
	if (!s)
		return;
	if (strlen(s) >= sizeof(buf) / 2)
		panic("kernel command line too long");
	memcpy(raw, s, strlen(s) + 1);
	out->raw = raw;
	char *w = buf;
	char *word;
	while ((word = next_word(&s, &w))) {
		if (out->has_args) {
			if (out->nargs < (int)ARRAY_LEN(out->args))
				out->args[out->nargs++] = word;
			else
				kwarn("too many arguments on the command line; extra ones dropped");
		} else if (!strcmp(word, "--")) {
			out->has_args = true;
		} else if (!strncmp(word, "tsc_khz=", 8)) {
			parse_u64(word + 8, strlen(word + 8), 10, &out->tsc_khz);
		} else if (!strncmp(word, "env=", 4) && strchr(word + 4, '=')) {
			if (out->nenv < (int)ARRAY_LEN(out->env))
				out->env[out->nenv++] = word + 4;
		} else if (!strcmp(word, "quiet")) {
			log_level = LOG_QUIET;
		} else if (!strcmp(word, "verbose")) {
			log_level = LOG_VERBOSE;
		} else if (!strcmp(word, "strace")) {
			out->strace = true;
		} else if (!strcmp(word, "core")) {
			crash_core = true;
		} else if (!strcmp(word, "stats")) {
			run_stats_on = true; /* from boot on: the time split needs every switch */
		} else if (!strcmp(word, "gdb")) {
			gdb_on = true; /* report each ELF mapping to the debugger (gdb.c) */
		} else if (!strcmp(word, "trace_missing")) {
			out->trace_missing = true;
		} else if (allowlist_option(word)) {
			/* the syscall allowlist's options (allowlist.c) */
		} else if (!strncmp(word, "console=", 8)) {
			console_set_mode(word + 8);
		} else if (!strncmp(word, "terminals=", 10)) {
			console_set_terminals(word + 10);
		}
		/* other options (virtio_mmio.device=, ...) belong to other subsystems */
	}
	/* QEMU appends its virtio_mmio.device= words after everything, `--` and its arguments too */
	struct virtio_mmio_entry e;
	while (out->nargs && !strncmp(out->args[out->nargs - 1], VIRTIO_KEY, sizeof(VIRTIO_KEY) - 1) &&
	       cmdline_parse_virtio_mmio(out->args[out->nargs - 1] + sizeof(VIRTIO_KEY) - 1, &e))
		out->nargs--;
}

/* memparse's suffixes: K, M, G (either case). */
static u64 size_suffix(char c)
{
	switch (c) {
	case 'k': case 'K': return 1UL << 10;
	case 'm': case 'M': return 1UL << 20;
	case 'g': case 'G': return 1UL << 30;
	default: return 0;
	}
}

bool cmdline_parse_virtio_mmio(const char *v, struct virtio_mmio_entry *out)
{
	size_t len = strlen(v), n;
	u64 size, base, irq;
	if (!(n = parse_u64(v, len, 0, &size)) || !size)
		return false;
	v += n, len -= n;
	if (len && size_suffix(*v)) {
		u64 mul = size_suffix(*v);
		if (size > ~0UL / mul)
			return false;
		size *= mul;
		v++, len--;
	}
	if (!len || *v != '@')
		return false;
	v++, len--;
	if (!(n = parse_u64(v, len, 0, &base)))
		return false;
	v += n, len -= n;
	if (!len || *v != ':')
		return false;
	v++, len--;
	if (!(n = parse_u64(v, len, 10, &irq)) || irq > 0xffffffffUL)
		return false;
	v += n, len -= n;
	/* an optional platform device id may follow (":ID"); nothing else */
	if (len && (*v != ':' || parse_u64(v + 1, len - 1, 10, &(u64){ 0 }) != len - 1))
		return false;
	if (base & 3 || base + size < base)
		return false;
	*out = (struct virtio_mmio_entry){ base, size, (u32)irq };
	return true;
}

/* Word scratch for the scans below; cmdline_parse's buffer keeps the words it handed out. */
static char scan[sizeof(raw)];

bool cmdline_mentions_virtio_mmio(const char *s)
{
	for (; s && *s; s++)
		if (*s == 'v' && !strncmp(s, VIRTIO_KEY, sizeof(VIRTIO_KEY) - 1))
			return true;
	return false;
}

int cmdline_virtio_mmio(const char *s, struct virtio_mmio_entry *out, int max)
{
	const size_t klen = sizeof(VIRTIO_KEY) - 1;
	int n = 0, before_args = 0;
	bool in_args = false;
	if (!s || strlen(s) >= sizeof(scan))
		return 0;
	char *w = scan;
	char *word;
	while ((word = next_word(&s, &w))) {
		struct virtio_mmio_entry e;
		bool valid = !strncmp(word, VIRTIO_KEY, klen) && cmdline_parse_virtio_mmio(word + klen, &e);
		if (!in_args && !strcmp(word, "--")) {
			in_args = true;
			before_args = n;
		} else if (in_args) {
			/* after `--` only the trailing run is the kernel's: any other word makes what came
			 * before it the app's arguments */
			if (!valid)
				n = before_args;
			else if (n < max)
				out[n++] = e;
		} else if (strncmp(word, VIRTIO_KEY, klen)) {
			continue;
		} else if (!valid) {
			kwarn("ignoring malformed option '%s' (expected virtio_mmio.device=SIZE@ADDR:IRQ)", word);
		} else if (n < max) {
			out[n++] = e;
		} else {
			kwarn("too many virtio_mmio.device= options; '%s' ignored", word);
		}
	}
	return n;
}

bool cmdline_has_flag(const char *s, const char *flag)
{
	if (!s || strlen(s) >= sizeof(scan))
		return false;
	char *w = scan;
	char *word;
	while ((word = next_word(&s, &w)) && strcmp(word, "--"))
		if (!strcmp(word, flag))
			return true;
	return false;
}
