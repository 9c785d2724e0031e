/* Streaming reader of a JSON report (yajl): the document as jansson values, except the
 * stack frames, which go straight into struct lt_frame arrays with interned strings. */
#ifndef LT_TOOLS_REPORTSTREAM_H
#define LT_TOOLS_REPORTSTREAM_H

#include <stdio.h>

#include "reportfile.h"
#include "strmap.h"

/* The frames of leaks[i].stack, read without building a jansson value per frame. */
struct lt_stream_stack {
	bool present;            /* leaks[i] had a "stack" array (it is not in the tree) */
	struct lt_frame *frames; /* innermost first; strings point into lt_stream.strings */
	size_t nframes, cap;
	/* The first problem in the frames, as reportfile.c words it: path and message. */
	char *err_where, *err_msg;
};

struct lt_stream {
	json_t *root; /* every value but leaks[i].stack; NULL when the read was declined */
	struct lt_stream_stack *stacks; /* by index in "leaks" */
	size_t nstacks;
	struct lt_strmap *strings; /* owns every string the frames point to */
};

/* Reads the report in F. Returns 0, or -1 when the streaming reader declines the file (a
 * syntax error, a top level that is not an object, a duplicate "leaks" or "stack" key,
 * a number or string jansson would refuse, out of memory): the caller then reads it with
 * json_loadf, whose messages name the problem. *OUT is empty after -1. */
int lt_stream_read(FILE *f, struct lt_stream *out);
/* Frees what lt_stream_read left in S (frames not taken, errors, the tree, the strings
 * unless the caller took them by setting S->strings to NULL). */
void lt_stream_free(struct lt_stream *s);

#endif
