/* A growable byte buffer in private memory, for formatting reports. */
#ifndef LT_BUF_H
#define LT_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct lt_buf {
	char *data;
	size_t len, cap;
	int oom;          /* set once an append failed: the output is incomplete */
} lt_buf_t;

void lt_buf_init(lt_buf_t *b);
void lt_buf_free(lt_buf_t *b);
void lt_buf_add(lt_buf_t *b, const char *s, size_t n);
void lt_buf_puts(lt_buf_t *b, const char *s);
void lt_buf_printf(lt_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string literal (quotes included), escaped per RFC 8259; NULL -> null. */
void lt_buf_json_str(lt_buf_t *b, const char *s);

#endif
