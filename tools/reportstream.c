/* Streams a JSON report through yajl into jansson values, with the stack frames (nine
 * tenths of a big report) read straight into compact frames with interned strings.
 *
 * Why: json_loadf builds a hash table and ~20 allocations for every frame object; on an
 * 80 MB report (50,000 groups, ~600,000 frames) that is ~4 s and ~700 MB, where yajl
 * tokenizes the same file in ~0.3 s. Everything but the frames is still a jansson tree, so
 * the validation in reportfile.c and every reader of r->root stay as they were. Whatever
 * this reader cannot take exactly as jansson would (syntax errors, duplicate keys that
 * matter, numbers or strings jansson refuses), it declines, and the caller reads the file
 * with jansson, whose messages are the contract's. */
#include "reportstream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

/* What a level of nesting is: the containers the reader treats specially, or a plain
 * jansson container (VALUE), or a value being skipped (SKIP: inside a frame). */
enum role { R_VALUE, R_ROOT, R_LEAKS, R_GROUP, R_STACK, R_FRAME, R_SKIP };

struct level {
	enum role role;
	json_t *j;   /* the container (VALUE, ROOT, LEAKS, GROUP) */
	size_t index; /* elements seen (LEAKS, STACK) */
};

/* The frame keys parse_frame reads, in its order. */
enum { F_ADDRESS, F_FUNCTION, F_FILE, F_LINE, F_MODULE, F_INLINED, F_NKEYS };
static const char *const frame_keys[F_NKEYS] = {"address", "function", "file", "line",
						 "module", "inlined"};

struct fval {
	int type; /* -1 absent, else a json_type */
	const char *s;
	long long i;
	bool b;
};

struct ctx {
	struct lt_stream *out;
	struct level *lv;
	size_t depth, lvcap;
	char *key; /* the pending key of the innermost object (not for FRAME/SKIP) */
	int fkey;  /* FRAME: index of the pending key, -1 when not one of frame_keys */
	struct fval fv[F_NKEYS];
	size_t group; /* index in leaks of the innermost group */
	char *tmp;    /* scratch for NUL-terminating strings */
	size_t tmpcap;
	bool failed;  /* declined: the caller reads the file with jansson */
};

static int decline(struct ctx *c)
{
	c->failed = true;
	return 0; /* cancels yajl_parse */
}

static struct level *top(struct ctx *c)
{
	return c->depth ? &c->lv[c->depth - 1] : NULL;
}

/* jansson refuses deeper nesting (JSON_PARSER_MAX_DEPTH) and frees its trees
 * recursively: past it, decline, and let jansson word the error. */
#define MAX_DEPTH 2048

static int push(struct ctx *c, enum role role, json_t *j)
{
	if (c->depth >= MAX_DEPTH)
		return -1;
	if (c->depth == c->lvcap) {
		size_t ncap = c->lvcap ? c->lvcap * 2 : 32;
		struct level *n = realloc(c->lv, ncap * sizeof(*n));
		if (!n)
			return -1;
		c->lv = n;
		c->lvcap = ncap;
	}
	c->lv[c->depth++] = (struct level){.role = role, .j = j};
	return 0;
}

static struct lt_stream_stack *cur_stack(struct ctx *c)
{
	return &c->out->stacks[c->group];
}

/* Records the first problem of the current group's frames; reportfile.c reports it when it
 * reaches the group's stack, so the order of messages is that of the jansson path. */
__attribute__((format(printf, 4, 5))) static void frame_fail(struct ctx *c, size_t fi,
							     const char *key, const char *fmt, ...)
{
	struct lt_stream_stack *s = cur_stack(c);
	if (s->err_where)
		return;
	char where[160], msg[256];
	snprintf(where, sizeof where, "leaks[%zu].stack[%zu]%s%s", c->group, fi, key ? "." : "",
		 key ? key : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->err_where = strdup(where);
	s->err_msg = strdup(msg);
	if (!s->err_where || !s->err_msg)
		c->failed = true;
}

/* A stack element that is not an object. */
static void frame_not_object(struct ctx *c, int type)
{
	struct level *l = top(c);
	frame_fail(c, l->index++, NULL, "expected an object, got %s", lt_reportfile_type_name(type));
}

/* The frame just closed, checked as parse_frame checks a jansson frame object. */
static int finish_frame(struct ctx *c, size_t fi)
{
	struct fval *fv = c->fv;
	struct lt_frame f = {0};
	for (int k = 0; k < F_NKEYS; k++) {
		const struct fval *x = &fv[k];
		bool required = k <= F_LINE;
		if (x->type < 0) {
			if (required)
				frame_fail(c, fi, NULL, "missing required key \"%s\"", frame_keys[k]);
			continue;
		}
		switch (k) {
		case F_ADDRESS:
		case F_FUNCTION:
		case F_FILE:
		case F_MODULE: {
			bool nullable = k != F_ADDRESS;
			if (nullable && x->type == JSON_NULL)
				break;
			if (x->type != JSON_STRING) {
				frame_fail(c, fi, frame_keys[k], "expected a string%s, got %s",
					   nullable ? " or null" : "", lt_reportfile_type_name(x->type));
				break;
			}
			if (k == F_ADDRESS)
				f.address = x->s;
			else if (k == F_FUNCTION)
				f.function = x->s;
			else if (k == F_FILE)
				f.file = x->s;
			else
				f.module = x->s;
			break;
		}
		case F_LINE:
			if (x->type != JSON_INTEGER)
				frame_fail(c, fi, "line", "expected an integer, got %s", lt_reportfile_type_name(x->type));
			else if (x->i < 0)
				frame_fail(c, fi, "line", "expected a non-negative integer, got %lld", x->i);
			else
				f.line = x->i;
			break;
		case F_INLINED:
			if (x->type != JSON_TRUE && x->type != JSON_FALSE)
				frame_fail(c, fi, "inlined", "expected a boolean, got %s",
					   lt_reportfile_type_name(x->type));
			else
				f.inlined = x->b;
			break;
		}
	}
	struct lt_stream_stack *s = cur_stack(c);
	if (s->err_where)
		return 0; /* the load fails: no need to keep frames */
	if (s->nframes == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		struct lt_frame *n = realloc(s->frames, ncap * sizeof(*n));
		if (!n)
			return -1;
		s->frames = n;
		s->cap = ncap;
	}
	s->frames[s->nframes++] = f;
	return 0;
}

/* S[0..LEN) NUL-terminated in scratch memory; NULL when out of memory or when S holds a
 * NUL byte, which jansson refuses without JSON_ALLOW_NUL. */
static const char *cstr(struct ctx *c, const unsigned char *s, size_t len)
{
	if (memchr(s, 0, len))
		return NULL;
	if (len + 1 > c->tmpcap) {
		size_t ncap = c->tmpcap ? c->tmpcap : 256;
		while (ncap < len + 1)
			ncap *= 2;
		char *n = realloc(c->tmp, ncap);
		if (!n)
			return NULL;
		c->tmp = n;
		c->tmpcap = ncap;
	}
	memcpy(c->tmp, s, len);
	c->tmp[len] = '\0';
	return c->tmp;
}

/* Puts V into the innermost jansson container (under the pending key of an object). */
static int place(struct ctx *c, json_t *v)
{
	struct level *l = top(c);
	if (!v)
		return decline(c);
	int rc;
	if (json_is_object(l->j)) {
		rc = json_object_set_new(l->j, c->key, v);
		free(c->key);
		c->key = NULL;
	} else {
		rc = json_array_append_new(l->j, v);
	}
	if (rc)
		return decline(c);
	l->index++;
	return 1;
}

/* A scalar (TYPE, and its value in S/I/B) arriving where the innermost level says. */
static int scalar(struct ctx *c, int type, const char *s, long long i, double d, bool b)
{
	struct level *l = top(c);
	if (!l)
		return decline(c); /* a bare scalar at the top: jansson's message says so */
	switch (l->role) {
	case R_SKIP:
		return 1;
	case R_STACK:
		frame_not_object(c, type);
		return !c->failed;
	case R_FRAME:
		if (c->fkey >= 0) {
			struct fval *x = &c->fv[c->fkey];
			x->type = type;
			x->i = i;
			x->b = b;
			x->s = NULL;
			if (type == JSON_STRING) {
				/* look up before copying: most frame strings repeat */
				struct lt_strmap *m = c->out->strings;
				size_t *slot = lt_strmap_get(m, s);
				bool ins;
				if (slot)
					x->s = m->keys[slot - m->vals];
				else if (!lt_strmap_put_copy(m, s, &ins, &x->s))
					return decline(c);
			}
		}
		return 1;
	default:
		break;
	}
	json_t *v;
	switch (type) {
	case JSON_STRING: v = json_string(s); break;
	case JSON_INTEGER: v = json_integer(i); break;
	case JSON_REAL: v = json_real(d); break;
	case JSON_TRUE: v = json_true(); break;
	case JSON_FALSE: v = json_false(); break;
	default: v = json_null(); break;
	}
	return place(c, v);
}

static int cb_null(void *ctx)
{
	return scalar(ctx, JSON_NULL, NULL, 0, 0, false);
}

static int cb_boolean(void *ctx, int b)
{
	return scalar(ctx, b ? JSON_TRUE : JSON_FALSE, NULL, 0, 0, b);
}

/* Numbers as jansson reads them: a token with '.', 'e' or 'E' is a real, any other an
 * integer; one out of range is an error there, so it is declined here. */
static int cb_number(void *ctx, const char *s, size_t len)
{
	struct ctx *c = ctx;
	const char *t = cstr(c, (const unsigned char *)s, len);
	if (!t)
		return decline(c);
	char *end;
	errno = 0;
	if (strpbrk(t, ".eE")) {
		double d = strtod(t, &end);
		if (errno == ERANGE && (d > 1.0 || d < -1.0))
			return decline(c);
		return scalar(c, JSON_REAL, NULL, 0, d, false);
	}
	long long i = strtoll(t, &end, 10);
	if (errno == ERANGE)
		return decline(c);
	return scalar(c, JSON_INTEGER, NULL, i, 0, false);
}

static int cb_string(void *ctx, const unsigned char *s, size_t len)
{
	struct ctx *c = ctx;
	const char *t = cstr(c, s, len);
	if (!t)
		return decline(c);
	return scalar(c, JSON_STRING, t, 0, 0, false);
}

static int cb_map_key(void *ctx, const unsigned char *s, size_t len)
{
	struct ctx *c = ctx;
	struct level *l = top(c);
	const char *t = cstr(c, s, len);
	if (!t)
		return decline(c);
	if (l->role == R_SKIP)
		return 1;
	if (l->role == R_FRAME) {
		c->fkey = -1;
		for (int k = 0; k < F_NKEYS; k++)
			if (!strcmp(t, frame_keys[k]))
				c->fkey = k;
		return 1;
	}
	free(c->key);
	c->key = strdup(t);
	return c->key ? 1 : decline(c);
}

/* A container starting: IS_MAP tells an object from an array. */
static int start(struct ctx *c, bool is_map)
{
	struct level *l = top(c);
	if (!l) {
		if (!is_map)
			return decline(c); /* not an object: jansson's path words the message */
		json_t *root = json_object();
		if (!root || push(c, R_ROOT, root))
			return decline(c);
		c->out->root = root;
		return 1;
	}
	switch (l->role) {
	case R_SKIP:
		return push(c, R_SKIP, NULL) ? decline(c) : 1;
	case R_STACK:
		if (!is_map) {
			frame_not_object(c, JSON_ARRAY);
			return c->failed || push(c, R_SKIP, NULL) ? decline(c) : 1;
		}
		for (int k = 0; k < F_NKEYS; k++)
			c->fv[k] = (struct fval){.type = -1};
		c->fkey = -1;
		return push(c, R_FRAME, NULL) ? decline(c) : 1;
	case R_FRAME:
		if (c->fkey >= 0)
			c->fv[c->fkey] = (struct fval){.type = is_map ? JSON_OBJECT : JSON_ARRAY};
		return push(c, R_SKIP, NULL) ? decline(c) : 1;
	case R_ROOT:
		if (!is_map && !strcmp(c->key, "leaks")) {
			/* a second "leaks" replaces the first in jansson: leave that to it */
			if (json_object_get(l->j, "leaks"))
				return decline(c);
			json_t *a = json_array();
			if (!place(c, a) || push(c, R_LEAKS, a))
				return decline(c);
			return 1;
		}
		break;
	case R_GROUP:
		if (!is_map && !strcmp(c->key, "stack")) {
			struct lt_stream_stack *s = cur_stack(c);
			if (s->present || json_object_get(l->j, "stack"))
				return decline(c);
			s->present = true;
			free(c->key);
			c->key = NULL;
			l->index++;
			return push(c, R_STACK, NULL) ? decline(c) : 1;
		}
		break;
	case R_LEAKS:
		if (is_map) {
			size_t gi = l->index;
			struct lt_stream *o = c->out;
			if (gi >= o->nstacks) {
				size_t ncap = o->nstacks ? o->nstacks * 2 : 1024;
				struct lt_stream_stack *n = realloc(o->stacks, ncap * sizeof(*n));
				if (!n)
					return decline(c);
				memset(n + o->nstacks, 0, (ncap - o->nstacks) * sizeof(*n));
				o->stacks = n;
				o->nstacks = ncap;
			}
			c->group = gi;
			json_t *g = json_object();
			if (!place(c, g) || push(c, R_GROUP, g))
				return decline(c);
			return 1;
		}
		break;
	default:
		break;
	}
	json_t *v = is_map ? json_object() : json_array();
	if (!place(c, v) || push(c, R_VALUE, v))
		return decline(c);
	return 1;
}

static int end(struct ctx *c)
{
	struct level *l = top(c);
	enum role role = l->role;
	c->depth--;
	if (role == R_FRAME) {
		struct level *st = top(c);
		if (finish_frame(c, st->index++))
			return decline(c);
	}
	return 1;
}

static int cb_start_map(void *ctx)
{
	return start(ctx, true);
}

static int cb_end_map(void *ctx)
{
	return end(ctx);
}

static int cb_start_array(void *ctx)
{
	return start(ctx, false);
}

static int cb_end_array(void *ctx)
{
	return end(ctx);
}

static const yajl_callbacks callbacks = {
	.yajl_null = cb_null,
	.yajl_boolean = cb_boolean,
	.yajl_number = cb_number, /* raw text: integer or real decided as jansson does */
	.yajl_string = cb_string,
	.yajl_start_map = cb_start_map,
	.yajl_map_key = cb_map_key,
	.yajl_end_map = cb_end_map,
	.yajl_start_array = cb_start_array,
	.yajl_end_array = cb_end_array,
};

void lt_stream_free(struct lt_stream *s)
{
	for (size_t i = 0; i < s->nstacks; i++) {
		free(s->stacks[i].frames);
		free(s->stacks[i].err_where);
		free(s->stacks[i].err_msg);
	}
	free(s->stacks);
	json_decref(s->root);
	if (s->strings) {
		lt_strmap_free(s->strings);
		free(s->strings);
	}
	memset(s, 0, sizeof(*s));
}

int lt_stream_read(FILE *f, struct lt_stream *out)
{
	memset(out, 0, sizeof(*out));
	out->strings = malloc(sizeof(*out->strings));
	if (!out->strings)
		return -1;
	lt_strmap_init(out->strings);
	struct ctx c = {.out = out, .fkey = -1};
	yajl_handle h = yajl_alloc(&callbacks, NULL, &c);
	if (!h) {
		lt_stream_free(out);
		return -1;
	}
	/* yajl's defaults are jansson's: UTF-8 checked, no comments, one value, nothing after */
	size_t bufsize = 1 << 16;
	unsigned char *buf = malloc(bufsize);
	yajl_status st = buf ? yajl_status_ok : yajl_status_error;
	size_t n;
	while (st == yajl_status_ok && (n = fread(buf, 1, bufsize, f)) > 0)
		st = yajl_parse(h, buf, n);
	if (st == yajl_status_ok && !ferror(f))
		st = yajl_complete_parse(h);
	bool ok = st == yajl_status_ok && !ferror(f) && !c.failed && c.depth == 0 && out->root;
	yajl_free(h);
	free(buf);
	free(c.lv);
	free(c.key);
	free(c.tmp);
	if (!ok) {
		lt_stream_free(out);
		return -1;
	}
	return 0;
}
