/* Streams compact JSON text byte for byte as jansson's json_dump(JSON_COMPACT) writes it. */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lt_jsonw_init(struct lt_jsonw *w, lt_jsonw_sink sink, void *arg)
{
	w->sink = sink;
	w->arg = arg;
	w->len = 0;
	w->depth = 0;
	w->after_key = false;
	w->failed = false;
}

static void flush(struct lt_jsonw *w)
{
	if (w->len && !w->failed && w->sink(w->buf, w->len, w->arg) != 0)
		w->failed = true;
	w->len = 0;
}

static void put(struct lt_jsonw *w, const char *s, size_t n)
{
	if (n > sizeof w->buf - w->len) {
		flush(w);
		if (n > sizeof w->buf) {
			if (!w->failed && w->sink(s, n, w->arg) != 0)
				w->failed = true;
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void putc_(struct lt_jsonw *w, char c)
{
	if (w->len == sizeof w->buf)
		flush(w);
	w->buf[w->len++] = c;
}

/* The separator before a value or a key: none after a key or first in its container. */
static void sep(struct lt_jsonw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth) {
		if (w->has_elem[w->depth - 1])
			putc_(w, ',');
		w->has_elem[w->depth - 1] = true;
	}
}

static void begin(struct lt_jsonw *w, char c)
{
	sep(w);
	if (w->depth == LT_JSONW_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->has_elem[w->depth++] = false;
	putc_(w, c);
}

static void end(struct lt_jsonw *w, char c)
{
	if (!w->depth) {
		w->failed = true;
		return;
	}
	w->depth--;
	putc_(w, c);
}

void lt_jsonw_begin_object(struct lt_jsonw *w)
{
	begin(w, '{');
}

void lt_jsonw_end_object(struct lt_jsonw *w)
{
	end(w, '}');
}

void lt_jsonw_begin_array(struct lt_jsonw *w)
{
	begin(w, '[');
}

void lt_jsonw_end_array(struct lt_jsonw *w)
{
	end(w, ']');
}

/* jansson's dump_string without flags: '"' and '\\' escaped, the control characters
 * below 0x20 as \b \f \n \r \t or \u00XX (upper-case hex), everything else as is. */
static void quoted(struct lt_jsonw *w, const char *s)
{
	putc_(w, '"');
	const char *run = s;
	for (;; s++) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, run, (size_t)(s - run));
		if (!c)
			break;
		char esc[8];
		switch (c) {
		case '"': put(w, "\\\"", 2); break;
		case '\\': put(w, "\\\\", 2); break;
		case '\b': put(w, "\\b", 2); break;
		case '\f': put(w, "\\f", 2); break;
		case '\n': put(w, "\\n", 2); break;
		case '\r': put(w, "\\r", 2); break;
		case '\t': put(w, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04X", c);
			put(w, esc, 6);
		}
		run = s + 1;
	}
	putc_(w, '"');
}

void lt_jsonw_key(struct lt_jsonw *w, const char *k)
{
	sep(w);
	quoted(w, k);
	putc_(w, ':');
	w->after_key = true;
}

void lt_jsonw_string(struct lt_jsonw *w, const char *s)
{
	sep(w);
	quoted(w, s);
}

void lt_jsonw_string_or_null(struct lt_jsonw *w, const char *s)
{
	if (s)
		lt_jsonw_string(w, s);
	else
		lt_jsonw_null(w);
}

void lt_jsonw_int(struct lt_jsonw *w, long long i)
{
	sep(w);
	/* by hand: snprintf was a tenth of the page's time on a big report */
	char tmp[24];
	size_t n = 0;
	unsigned long long u = i < 0 ? 0ULL - (unsigned long long)i : (unsigned long long)i;
	do {
		tmp[sizeof tmp - 1 - n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (i < 0)
		tmp[sizeof tmp - 1 - n++] = '-';
	put(w, tmp + sizeof tmp - n, n);
}

void lt_jsonw_bool(struct lt_jsonw *w, bool b)
{
	sep(w);
	if (b)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void lt_jsonw_null(struct lt_jsonw *w)
{
	sep(w);
	put(w, "null", 4);
}

void lt_jsonw_value(struct lt_jsonw *w, const json_t *j)
{
	if (!j) {
		lt_jsonw_null(w);
		return;
	}
	sep(w);
	flush(w);
	if (!w->failed && json_dump_callback(j, w->sink, w->arg, JSON_COMPACT | JSON_ENCODE_ANY))
		w->failed = true;
}

int lt_jsonw_finish(struct lt_jsonw *w)
{
	flush(w);
	return w->failed || w->depth || w->after_key ? -1 : 0;
}

int lt_jsonw_mem_sink(const char *buf, size_t size, void *arg)
{
	struct lt_jsonw_mem *m = arg;
	if (m->len + size + 1 > m->cap) {
		size_t ncap = m->cap ? m->cap : 4096;
		while (ncap < m->len + size + 1)
			ncap *= 2;
		char *np = realloc(m->p, ncap);
		if (!np)
			return -1;
		m->p = np;
		m->cap = ncap;
	}
	memcpy(m->p + m->len, buf, size);
	m->len += size;
	m->p[m->len] = '\0';
	return 0;
}
