/* Parses the kernel command line (IMAGE.md). Words are split in place into a private copy. */
#include "cmdline.h"
#include "console.h"
#include "lib.h"
#include "log.h"
#include "mm.h"

static char buf[4096];

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
		} else if (!strcmp(word, "trace_missing")) {
			out->trace_missing = true;
		} else if (!strncmp(word, "console=", 8)) {
			console_set_mode(word + 8);
		}
		/* other options (virtio_mmio.device=, ...) belong to other subsystems */
	}
}
