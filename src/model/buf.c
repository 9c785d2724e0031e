/* Growable formatting buffer and JSON string escaping (see buf.h). */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model.h"

void lt_buf_init(lt_buf_t *b)
{
	memset(b, 0, sizeof *b);
}

void lt_buf_free(lt_buf_t *b)
{
	lt_model_free(b->data);
	lt_buf_init(b);
}

static int reserve(lt_buf_t *b, size_t n)
{
	if (b->oom)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + n + 1)
		cap *= 2;
	char *d = lt_model_realloc(b->data, b->len, cap);
	if (!d) {
		b->oom = 1;
		return -1;
	}
	b->data = d;
	b->cap = cap;
	return 0;
}

void lt_buf_add(lt_buf_t *b, const char *s, size_t n)
{
	if (reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = 0;
}

void lt_buf_puts(lt_buf_t *b, const char *s)
{
	lt_buf_add(b, s, strlen(s));
}

void lt_buf_printf(lt_buf_t *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		lt_buf_add(b, tmp, (size_t)n);
		return;
	}
	if (reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is invalid. */
static int utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];
	int n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
	else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
	else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
	else return 0;
	for (int i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return n;
}

void lt_buf_json_str(lt_buf_t *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	if (!s) {
		lt_buf_add(b, "null", 4);
		return;
	}
	lt_buf_add(b, "\"", 1);
	const unsigned char *p = (const unsigned char *)s;
	const unsigned char *run = p;
	for (; *p; p++) {
		unsigned char c = *p;
		const char *esc = NULL;
		char u[6];
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '/':
			/* "</" escaped so the JSON can sit inside an HTML <script> */
			if (p > (const unsigned char *)s && p[-1] == '<')
				esc = "\\/";
			break;
		default:
			if (c >= 0x80) {
				/* names and paths are bytes: keep the JSON valid
				 * UTF-8 by replacing what is not with U+FFFD */
				int n = utf8_len(p);
				if (n) {
					p += n - 1;
					continue;
				}
				lt_buf_add(b, (const char *)run, (size_t)(p - run));
				lt_buf_puts(b, "\\ufffd");
				run = p + 1;
				continue;
			}
			if (c < 0x20) {
				u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
				u[4] = hex[c >> 4]; u[5] = hex[c & 15];
				lt_buf_add(b, (const char *)run, (size_t)(p - run));
				lt_buf_add(b, u, 6);
				run = p + 1;
				continue;
			}
		}
		if (esc) {
			lt_buf_add(b, (const char *)run, (size_t)(p - run));
			lt_buf_puts(b, esc);
			run = p + 1;
		}
	}
	lt_buf_add(b, (const char *)run, (size_t)(p - run));
	lt_buf_add(b, "\"", 1);
}
