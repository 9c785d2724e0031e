/* LEAKTRACE_OPTIONS parser, in the style of sanitizer flags but never fatal.
 *
 * Grammar: key=value pairs separated by ':'; a value may be quoted with
 * '...' or "..." to contain ':'. ',' is not a pair separator (LSan's is):
 * it separates list items, as in fail_on=memory,socket. Parsing uses no
 * heap: values land in fixed fields of lt_options_t. */
#include "options.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "log.h"

lt_options_t lt_opt;

enum kind { K_BOOL, K_INT, K_SIZE, K_ENUM, K_SET, K_STR };

struct desc {
	const char *name;
	enum kind kind;
	const char *def;
	const char *spec;   /* "min..max", "a|b|c", or "FILE" for STR */
	const char *help;
	size_t off;
};

#define FILE "FILE"
#define LT_OPTION(kind, name, def, spec, help) \
	{ #name, K_##kind, def, spec, help, offsetof(lt_options_t, name) },
static const struct desc table[] = {
#include "options.inc"
};
#undef LT_OPTION
#undef FILE

int lt_opt_count(void)
{
	return (int)(sizeof table / sizeof table[0]);
}

const char *lt_opt_name(int i)
{
	return i >= 0 && i < lt_opt_count() ? table[i].name : NULL;
}

/* index of word [w, w+n) in "a|b|c", or -1 */
static int spec_index(const char *spec, const char *w, size_t n)
{
	int idx = 0;
	const char *p = spec;
	while (*p) {
		const char *e = strchr(p, '|');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		if (len == n && strncmp(p, w, n) == 0)
			return idx;
		idx++;
		if (!e)
			break;
		p = e + 1;
	}
	return -1;
}

static int spec_count(const char *spec)
{
	int n = 1;
	for (const char *p = spec; *p; p++)
		n += *p == '|';
	return n;
}

/* Word i of a "a|b|c" spec, into out. */
static void spec_name(const char *spec, int i, char *out, size_t cap)
{
	const char *p = spec;
	for (; i > 0 && p; i--) {
		p = strchr(p, '|');
		if (p)
			p++;
	}
	if (!p) {
		snprintf(out, cap, "?");
		return;
	}
	size_t n = strcspn(p, "|");
	snprintf(out, cap, "%.*s", (int)(n < cap ? n : cap - 1), p);
}

void lt_opt_enum_name(const char *option, int v, char *out, size_t cap)
{
	for (int i = 0; i < lt_opt_count(); i++)
		if (table[i].kind == K_ENUM && strcmp(table[i].name, option) == 0) {
			spec_name(table[i].spec, v, out, cap);
			return;
		}
	snprintf(out, cap, "?");
}

static int parse_u64(const char *v, uint64_t *out, int allow_suffix)
{
	if (!*v)
		return -1;
	char *end;
	errno = 0;
	if (*v == '-')
		return -1;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v)
		return -1;
	if (allow_suffix && *end) {
		unsigned shift = 0;
		switch (*end) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		default: return -1;
		}
		end++;
		if (*end == 'B' || *end == 'b')
			end++;
		if (x > (~0ull >> shift))
			return -1;
		x <<= shift;
	}
	if (*end)
		return -1;
	*out = x;
	return 0;
}

int lt_opt_parse_size(const char *v, uint64_t *out)
{
	return parse_u64(v, out, 1);
}

static int set_value(lt_options_t *o, const struct desc *d, const char *v, int warn)
{
	char *field = (char *)o + d->off;
	switch (d->kind) {
	case K_BOOL:
		if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes")) {
			*(int *)field = 1;
			return 0;
		}
		if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no")) {
			*(int *)field = 0;
			return 0;
		}
		if (warn)
			lt_log_warn("option %s=%s: expected 0/1/true/false/yes/no; using %s",
				    d->name, v, d->def);
		return -1;
	case K_INT: {
		long lo = 0, hi = 0;
		uint64_t x;
		sscanf(d->spec, "%ld..%ld", &lo, &hi);
		if (parse_u64(v, &x, 0) || (long)x < lo || x > (uint64_t)hi) {
			if (warn)
				lt_log_warn("option %s=%s: expected an integer from %ld to %ld; using %s",
					    d->name, v, lo, hi, d->def);
			return -1;
		}
		*(long *)field = (long)x;
		return 0;
	}
	case K_SIZE: {
		uint64_t x;
		if (parse_u64(v, &x, 1)) {
			if (warn)
				lt_log_warn("option %s=%s: expected a byte count (e.g. 4096, 64K, 1M); using %s",
					    d->name, v, d->def);
			return -1;
		}
		*(uint64_t *)field = x;
		return 0;
	}
	case K_ENUM: {
		int i = spec_index(d->spec, v, strlen(v));
		if (i < 0) {
			if (warn)
				lt_log_warn("option %s=%s: expected one of %s; using %s",
					    d->name, v, d->spec, d->def);
			return -1;
		}
		*(int *)field = i;
		return 0;
	}
	case K_SET: {
		unsigned bits = 0;
		const char *p = v;
		if (!strcmp(v, "all")) {
			*(unsigned *)field = (1u << spec_count(d->spec)) - 1;
			return 0;
		}
		if (!strcmp(v, "none") || !*v) {
			*(unsigned *)field = 0;
			return 0;
		}
		while (*p) {
			const char *e = strchr(p, ',');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			int i = spec_index(d->spec, p, n);
			if (i < 0) {
				if (warn)
					lt_log_warn("option %s=%s: '%.*s' is not one of %s (or all, none); using %s",
						    d->name, v, (int)n, p, d->spec, d->def);
				return -1;
			}
			bits |= 1u << i;
			if (!e)
				break;
			p = e + 1;
		}
		*(unsigned *)field = bits;
		return 0;
	}
	case K_STR:
		if (!*v && !strcmp(d->name, "output")) {
			/* nowhere is not a destination (report=off turns reports off) */
			if (warn)
				lt_log_warn("option output=: expected stderr or a file path pattern; using %s",
					    d->def);
			return -1;
		}
		if (strlen(v) >= LT_OPT_STR_MAX) {
			if (warn)
				lt_log_warn("option %s: value longer than %d bytes; using %s",
					    d->name, LT_OPT_STR_MAX - 1, d->def[0] ? d->def : "the default");
			return -1;
		}
		strcpy(field, v);
		return 0;
	}
	return -1;
}

int lt_opt_defaults(lt_options_t *o)
{
	memset(o, 0, sizeof *o);
	for (int i = 0; i < lt_opt_count(); i++)
		set_value(o, &table[i], table[i].def, 0);
	return 0;
}

int lt_opt_parse(lt_options_t *o, const char *s, int secure)
{
	int problems = 0;
	char key[64], val[LT_OPT_STR_MAX + 1];
	const char *p = s;
	while (p && *p) {
		if (*p == ':') {
			p++;
			continue;
		}
		size_t kn = 0;
		while (*p && *p != '=' && *p != ':') {
			if (kn + 1 < sizeof key)
				key[kn++] = *p;
			p++;
		}
		key[kn] = 0;
		if (*p != '=') {
			lt_log_warn("option '%s' has no value (expected %s=VALUE); ignored", key, key);
			problems++;
			continue;
		}
		p++;
		size_t vn = 0;
		int toolong = 0;
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			while (*p && *p != q) {
				if (vn < LT_OPT_STR_MAX) val[vn++] = *p; else toolong = 1;
				p++;
			}
			if (*p != q) {
				lt_log_warn("option %s: unterminated quote; ignored", key);
				problems++;
				break;
			}
			p++;
		} else {
			while (*p && *p != ':') {
				if (vn < LT_OPT_STR_MAX) val[vn++] = *p; else toolong = 1;
				p++;
			}
		}
		val[vn] = 0;
		if (!strcmp(key, "help")) {
			lt_opt_print(NULL);
			continue;
		}
		const struct desc *d = NULL;
		for (int i = 0; i < lt_opt_count(); i++)
			if (!strcmp(table[i].name, key))
				d = &table[i];
		if (!d) {
			lt_log_warn("unknown option '%s' in LEAKTRACE_OPTIONS; ignored (help=1 lists them)", key);
			problems++;
			continue;
		}
		if (toolong) {
			lt_log_warn("option %s: value longer than %d bytes; using the default",
				    d->name, LT_OPT_STR_MAX - 1);
			problems++;
			continue;
		}
		if (secure && d->kind == K_STR && !strcmp(d->spec, "FILE")) {
			lt_log_warn("option %s ignored: secure-execution (setuid/setgid) process", d->name);
			problems++;
			continue;
		}
		if (set_value(o, d, val, 1))
			problems++;
	}
	return problems;
}

/* See LT_PUBLISHED_MARKER in options.h. Initialised, so it sits in .data:
 * the shim's file-backed writable mapping, named in /proc/PID/maps. */
static struct {
	char marker[LT_PUBLISHED_MARKER_LEN];
	char snapshot_signal[LT_OPT_STR_MAX];
	char output[LT_OPT_STR_MAX];
} published __attribute__((used)) = { .marker = LT_PUBLISHED_MARKER };

_Static_assert(sizeof published == LT_PUBLISHED_SIZE, "published layout");

static void publish(void)
{
	memcpy(published.snapshot_signal, lt_opt.snapshot_signal, sizeof published.snapshot_signal);
	memcpy(published.output, lt_opt.output, sizeof published.output);
	/* nothing in the shim reads them: keep the stores */
	__asm__ volatile("" : : "r"(&published) : "memory");
}

/* A program may provide defaults, as with __lsan_default_options. */
__attribute__((weak)) const char *__leaktrace_default_options(void);

void lt_opt_load(void)
{
	lt_opt_defaults(&lt_opt);
	int secure = getauxval(AT_SECURE) != 0;
	if (__leaktrace_default_options) {
		const char *d = __leaktrace_default_options();
		if (d)
			lt_opt_parse(&lt_opt, d, 0);
	}
	const char *env = getenv("LEAKTRACE_OPTIONS");
	if (env)
		lt_opt_parse(&lt_opt, env, secure);
	publish();
	if (lt_opt.verbosity >= 1)
		lt_opt_print(&lt_opt);
}

void lt_opt_print(const lt_options_t *o)
{
	for (int i = 0; i < lt_opt_count(); i++) {
		const struct desc *d = &table[i];
		if (!o) {
			lt_log_info("option %s (default %s): %s", d->name,
				    d->def[0] ? d->def : "\"\"", d->help);
			continue;
		}
		const char *f = (const char *)o + d->off;
		switch (d->kind) {
		case K_BOOL:
			lt_log_info("option %s=%d", d->name, *(const int *)f);
			break;
		case K_ENUM: {
			char name[64];
			spec_name(d->spec, *(const int *)f, name, sizeof name);
			lt_log_info("option %s=%s", d->name, name);
			break;
		}
		case K_INT:
			lt_log_info("option %s=%ld", d->name, *(const long *)f);
			break;
		case K_SIZE:
			lt_log_info("option %s=%llu", d->name, (unsigned long long)*(const uint64_t *)f);
			break;
		case K_SET: {
			/* by name, as the option is written: fail_on=memory,handles */
			char list[512] = "", name[64];
			unsigned bits = *(const unsigned *)f;
			size_t n = 0;
			for (int b = 0; b < spec_count(d->spec) && n < sizeof list; b++) {
				if (!(bits & (1u << b)))
					continue;
				spec_name(d->spec, b, name, sizeof name);
				n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? "," : "", name);
			}
			lt_log_info("option %s=%s", d->name, bits ? list : "none");
			break;
		}
		case K_STR:
			lt_log_info("option %s=%s", d->name, f);
			break;
		}
	}
}
