/* A streaming compact JSON writer: the bytes json_dumpf(value, JSON_COMPACT) would write,
 * without building the value, for the page's big arrays (groups, frames, flame graphs). */
#ifndef LT_TOOLS_JSONW_H
#define LT_TOOLS_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Receives the text in chunks; returns 0, or -1 to fail the writer (json_dump_callback's
 * callback type, so one sink serves both). */
typedef int (*lt_jsonw_sink)(const char *buf, size_t size, void *arg);

#define LT_JSONW_MAX_DEPTH 64
#define LT_JSONW_BUF (64 << 10)

struct lt_jsonw {
	lt_jsonw_sink sink;
	void *arg;
	size_t len, depth;
	bool after_key;
	bool failed;                         /* a sink error, nesting too deep, a bad value */
	bool has_elem[LT_JSONW_MAX_DEPTH];   /* the container at each depth has an element */
	char buf[LT_JSONW_BUF];
};

void lt_jsonw_init(struct lt_jsonw *w, lt_jsonw_sink sink, void *arg);
void lt_jsonw_begin_object(struct lt_jsonw *w);
void lt_jsonw_end_object(struct lt_jsonw *w);
void lt_jsonw_begin_array(struct lt_jsonw *w);
void lt_jsonw_end_array(struct lt_jsonw *w);
/* The key of the next member; K and the strings below must be UTF-8 (every string of a
 * loaded report is: yajl and jansson check it), escaped as jansson escapes them. */
void lt_jsonw_key(struct lt_jsonw *w, const char *k);
void lt_jsonw_string(struct lt_jsonw *w, const char *s);
void lt_jsonw_string_or_null(struct lt_jsonw *w, const char *s);
void lt_jsonw_int(struct lt_jsonw *w, long long i);
void lt_jsonw_bool(struct lt_jsonw *w, bool b);
void lt_jsonw_null(struct lt_jsonw *w);
/* A jansson value, dumped by jansson (JSON_COMPACT) between the streamed parts; NULL is
 * written as null. */
void lt_jsonw_value(struct lt_jsonw *w, const json_t *j);
/* Hands the rest of the buffer to the sink; 0, or -1 when anything failed. */
int lt_jsonw_finish(struct lt_jsonw *w);

/* A sink appending to a growing NUL-terminated memory buffer. */
struct lt_jsonw_mem {
	char *p;
	size_t len, cap;
};
int lt_jsonw_mem_sink(const char *buf, size_t size, void *arg);

#endif
