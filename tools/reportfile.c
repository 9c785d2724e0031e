/* Loads a leaktrace JSON report (streamed by reportstream.c, else jansson) and validates it into struct lt_report. */
#include "reportfile.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reportstream.h"

const char *lt_reportfile_class_name(enum lt_class c)
{
	return (unsigned)c < LT_CLASS_COUNT ? lt_class_name(c) : "?";
}

/* ---------------------------------------------------------------------------------------
 * Validation helpers. jansson does not keep source positions for values, so type errors
 * name the JSON path of the offending value (e.g. "leaks[3].stack[0].line"), which is as
 * precise and survives pretty-printing.
 * ------------------------------------------------------------------------------------- */

struct vctx {
	const char *file;
	char *err;
	size_t errlen;
	bool failed;
	/* the frames the streaming reader took out of the tree, by index in "leaks" */
	struct lt_stream_stack *stacks;
	size_t nstacks;
};

__attribute__((format(printf, 3, 4))) static void fail(struct vctx *v, const char *where,
						       const char *fmt, ...)
{
	if (v->failed)
		return; /* keep the first problem: later ones are usually its consequences */
	v->failed = true;
	int n = snprintf(v->err, v->errlen, "%s: %s%s", v->file, where, *where ? ": " : "");
	if (n < 0 || (size_t)n >= v->errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->err + n, v->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

const char *lt_reportfile_type_name(json_type t)
{
	switch (t) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "?";
}

static const char *type_name(const json_t *j)
{
	return lt_reportfile_type_name(json_typeof(j));
}

/* Builds "PARENT.KEY" into BUF for messages. */
static const char *path_key(char *buf, size_t len, const char *parent, const char *key)
{
	snprintf(buf, len, "%s%s%s", parent, *parent ? "." : "", key);
	return buf;
}

static json_t *member(struct vctx *v, json_t *obj, const char *parent, const char *key,
		      bool required)
{
	json_t *j = json_object_get(obj, key);
	if (!j && required)
		fail(v, parent, "missing required key \"%s\"", key);
	return j;
}

/* An object or array member (TYPE JSON_OBJECT or JSON_ARRAY). */
static json_t *get_container(struct vctx *v, json_t *obj, const char *parent, const char *key,
			     bool required, json_type type)
{
	json_t *j = member(v, obj, parent, key, required);
	if (j && json_typeof(j) != type) {
		char p[256];
		fail(v, path_key(p, sizeof p, parent, key), "expected %s, got %s",
		     type == JSON_OBJECT ? "an object" : "an array", type_name(j));
		return NULL;
	}
	return j;
}

static json_t *get_obj(struct vctx *v, json_t *obj, const char *parent, const char *key,
		       bool required)
{
	return get_container(v, obj, parent, key, required, JSON_OBJECT);
}

static json_t *get_array(struct vctx *v, json_t *obj, const char *parent, const char *key,
			 bool required)
{
	return get_container(v, obj, parent, key, required, JSON_ARRAY);
}

/* Integers must be JSON integers (not reals) and not negative: every count, size, id and
 * time in the contract is >= 0, and a negative one would poison sums and sorts. */
static long long get_int(struct vctx *v, json_t *obj, const char *parent, const char *key,
			 bool required, long long dflt)
{
	json_t *j = member(v, obj, parent, key, required);
	if (!j)
		return dflt;
	char p[256];
	if (!json_is_integer(j)) {
		fail(v, path_key(p, sizeof p, parent, key), "expected an integer, got %s",
		     type_name(j));
		return dflt;
	}
	long long x = json_integer_value(j);
	if (x < 0) {
		fail(v, path_key(p, sizeof p, parent, key), "expected a non-negative integer, got %lld",
		     x);
		return dflt;
	}
	return x;
}

static bool get_bool(struct vctx *v, json_t *obj, const char *parent, const char *key,
		     bool required, bool dflt)
{
	json_t *j = member(v, obj, parent, key, required);
	if (!j)
		return dflt;
	if (!json_is_boolean(j)) {
		char p[256];
		fail(v, path_key(p, sizeof p, parent, key), "expected a boolean, got %s",
		     type_name(j));
		return dflt;
	}
	return json_is_true(j);
}

/* NULLABLE: JSON null is accepted and read as NULL (function/file/module of a frame). */
static const char *get_str(struct vctx *v, json_t *obj, const char *parent, const char *key,
			   bool required, bool nullable)
{
	json_t *j = member(v, obj, parent, key, required);
	if (!j || (nullable && json_is_null(j)))
		return NULL;
	if (!json_is_string(j)) {
		char p[256];
		fail(v, path_key(p, sizeof p, parent, key), "expected a string%s, got %s",
		     nullable ? " or null" : "", type_name(j));
		return NULL;
	}
	return json_string_value(j);
}

static bool check_string_array(struct vctx *v, json_t *arr, const char *where)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) {
		if (!json_is_string(e)) {
			char p[256];
			snprintf(p, sizeof p, "%s[%zu]", where, i);
			fail(v, p, "expected a string, got %s", type_name(e));
			return false;
		}
	}
	return true;
}

/* ---------------------------------------------------------------------------------------
 * Groups
 * ------------------------------------------------------------------------------------- */

static int parse_class(const char *s, enum lt_class *out)
{
	int c = lt_class_of_name(s);
	if (c < 0)
		return -1;
	*out = (enum lt_class)c;
	return 0;
}

static void parse_frame(struct vctx *v, json_t *jf, const char *where, struct lt_frame *f)
{
	if (!json_is_object(jf)) {
		fail(v, where, "expected an object, got %s", type_name(jf));
		return;
	}
	f->address = get_str(v, jf, where, "address", true, false);
	f->function = get_str(v, jf, where, "function", true, true);
	f->file = get_str(v, jf, where, "file", true, true);
	f->line = get_int(v, jf, where, "line", true, 0);
	f->module = get_str(v, jf, where, "module", false, true);
	f->inlined = get_bool(v, jf, where, "inlined", false, false);
}

/* A zeroed array of n elements for the value at where (NULL when n is 0);
 * out of memory fails the load. */
static void *array_for(struct vctx *v, const char *where, size_t n, size_t size)
{
	if (!n)
		return NULL;
	void *p = calloc(n, size);
	if (!p)
		fail(v, where, "out of memory for %zu elements", n);
	return p;
}

/* The "stack" array of a group read by jansson. */
static void parse_stack(struct vctx *v, json_t *jg, const char *where, struct lt_group *g)
{
	json_t *stack = get_array(v, jg, where, "stack", true);
	if (v->failed)
		return;
	g->nframes = json_array_size(stack);
	g->frames = array_for(v, where, g->nframes, sizeof(*g->frames));
	if (v->failed)
		return;
	for (size_t i = 0; i < g->nframes && !v->failed; i++) {
		char fw[96];
		snprintf(fw, sizeof fw, "%s.stack[%zu]", where, i);
		parse_frame(v, json_array_get(stack, i), fw, &g->frames[i]);
	}
}

static void parse_group(struct vctx *v, json_t *jg, size_t idx, struct lt_group *g)
{
	char where[64];
	snprintf(where, sizeof where, "leaks[%zu]", idx);
	if (!json_is_object(jg)) {
		fail(v, where, "expected an object, got %s", type_name(jg));
		return;
	}
	g->id = get_int(v, jg, where, "id", true, 0);
	g->kind = get_str(v, jg, where, "kind", true, false);
	const char *cls = get_str(v, jg, where, "class", true, false);
	if (v->failed)
		return;
	g->is_memory = strcmp(g->kind, lt_kind_name(LT_KIND_MEMORY)) == 0;
	char p[128];
	if (parse_class(cls, &g->class_) != 0) {
		fail(v, path_key(p, sizeof p, where, "class"), "unknown class \"%s\"", cls);
		return;
	}
	if (g->is_memory == (g->class_ == LT_CLASS_OPEN)) {
		fail(v, path_key(p, sizeof p, where, "class"), "class \"%s\" does not fit kind \"%s\"",
		     cls, g->kind);
		return;
	}
	g->leaked = get_bool(v, jg, where, "leaked", true, false);
	g->suppressed = get_bool(v, jg, where, "suppressed", false, false);
	g->suppressed_by = get_str(v, jg, where, "suppressed_by", false, true);
	g->origin = get_str(v, jg, where, "origin", false, false);
	if (!g->is_memory && !g->origin)
		g->origin = "traced";
	g->bytes = get_int(v, jg, where, "bytes", true, 0);
	g->count = get_int(v, jg, where, "count", true, 0);
	g->stack_id = get_int(v, jg, where, "stack_id", true, 0);
	g->oldest_ms = get_int(v, jg, where, "oldest_ms", false, 0);
	g->newest_ms = get_int(v, jg, where, "newest_ms", false, 0);
	if (v->stacks && !json_object_get(jg, "stack")) {
		/* streamed: the frames were read and checked already, in parse_frame's order */
		struct lt_stream_stack *s = idx < v->nstacks ? &v->stacks[idx] : NULL;
		if (!s || !s->present) {
			fail(v, where, "missing required key \"stack\"");
			return;
		}
		if (s->err_where) {
			fail(v, s->err_where, "%s", s->err_msg);
			return;
		}
		g->frames = s->frames;
		g->nframes = s->nframes;
		s->frames = NULL;
	} else {
		parse_stack(v, jg, where, g);
	}
	if (v->failed)
		return;
	g->handles = get_array(v, jg, where, "handles", false);
	size_t i;
	json_t *h;
	json_array_foreach(g->handles, i, h) {
		if (!json_is_object(h)) {
			char hw[96];
			snprintf(hw, sizeof hw, "%s.handles[%zu]", where, i);
			fail(v, hw, "expected an object, got %s", type_name(h));
			return;
		}
	}
}

/* ---------------------------------------------------------------------------------------
 * Report
 * ------------------------------------------------------------------------------------- */

static void parse_report(struct vctx *v, struct lt_report *r)
{
	json_t *root = r->root;
	if (!json_is_object(root)) {
		fail(v, "", "expected a JSON object at the top level, got %s", type_name(root));
		return;
	}
	json_t *fv = member(v, root, "", "format_version", true);
	if (v->failed)
		return;
	if (!json_is_integer(fv) || json_integer_value(fv) != 1) {
		if (json_is_integer(fv))
			fail(v, "format_version", "unsupported format version %lld (this leaktrace reads 1)",
			     (long long)json_integer_value(fv));
		else
			fail(v, "format_version", "expected an integer, got %s", type_name(fv));
		return;
	}
	r->version = get_str(v, root, "", "version", false, false);
	r->pid = get_int(v, root, "", "pid", true, 0);
	r->ppid = get_int(v, root, "", "ppid", false, 0);
	r->exe = get_str(v, root, "", "exe", true, false);
	r->reason = get_str(v, root, "", "reason", true, false);
	r->signal = get_int(v, root, "", "signal", false, -1);
	r->sequence = get_int(v, root, "", "sequence", true, 0);
	r->time = get_str(v, root, "", "time", true, false);
	r->uptime_ms = get_int(v, root, "", "uptime_ms", false, 0);
	r->classified = get_bool(v, root, "", "classified", false, true);

	json_t *gate = get_obj(v, root, "", "gate", true);
	if (v->failed)
		return;
	r->gate_counted_classes = get_array(v, gate, "gate", "counted_classes", false);
	r->gate_counted_handle_kinds = get_array(v, gate, "gate", "counted_handle_kinds", false);
	if (r->gate_counted_classes)
		check_string_array(v, r->gate_counted_classes, "gate.counted_classes");
	if (r->gate_counted_handle_kinds)
		check_string_array(v, r->gate_counted_handle_kinds, "gate.counted_handle_kinds");
	r->gate_threshold_bytes = get_int(v, gate, "gate", "threshold_bytes", false, 0);
	r->gate_exitcode = get_int(v, gate, "gate", "exitcode", false, 0);
	r->gate_failed = get_bool(v, gate, "gate", "failed", true, false);

	json_t *sum = get_obj(v, root, "", "summary", true);
	if (v->failed)
		return;
	r->leaked_bytes = get_int(v, sum, "summary", "leaked_bytes", true, 0);
	r->leaked_blocks = get_int(v, sum, "summary", "leaked_blocks", true, 0);
	r->leaked_handles = get_int(v, sum, "summary", "leaked_handles", true, 0);
	r->live_bytes = get_int(v, sum, "summary", "live_bytes", true, 0);
	r->live_blocks = get_int(v, sum, "summary", "live_blocks", true, 0);
	r->live_handles = get_int(v, sum, "summary", "live_handles", true, 0);
	json_t *bc = get_obj(v, sum, "summary", "by_class", true);
	if (v->failed)
		return;
	for (int c = 0; c < LT_MEMORY_CLASS_COUNT; c++) {
		/* A class the shim had nothing in may be left out by a future writer: zero. */
		json_t *cj = get_obj(v, bc, "summary.by_class", lt_class_name(c), false);
		if (!cj)
			continue;
		char p[64];
		snprintf(p, sizeof p, "summary.by_class.%s", lt_class_name(c));
		r->by_class[c].bytes = get_int(v, cj, p, "bytes", true, 0);
		r->by_class[c].blocks = get_int(v, cj, p, "blocks", true, 0);
	}
	r->by_kind = get_obj(v, sum, "summary", "by_kind", false);
	const char *k;
	json_t *kv;
	json_object_foreach(r->by_kind, k, kv) {
		char p[256];
		if (!json_is_integer(kv) || json_integer_value(kv) < 0)
			fail(v, path_key(p, sizeof p, "summary.by_kind", k),
			     "expected a non-negative integer, got %s", type_name(kv));
	}
	r->unknown_handles = get_int(v, sum, "summary", "unknown_handles", false, 0);
	json_t *sup = get_obj(v, sum, "summary", "suppressed", false);
	if (sup) {
		r->suppressed_bytes = get_int(v, sup, "summary.suppressed", "bytes", false, 0);
		r->suppressed_blocks = get_int(v, sup, "summary.suppressed", "blocks", false, 0);
		r->suppressed_handles = get_int(v, sup, "summary.suppressed", "handles", false, 0);
	}
	r->suppressions = get_array(v, root, "", "suppressions", false);

	json_t *leaks = get_array(v, root, "", "leaks", true);
	if (v->failed)
		return;
	r->ngroups = json_array_size(leaks);
	r->groups = array_for(v, "leaks", r->ngroups, sizeof(*r->groups));
	if (v->failed)
		return;
	for (size_t i = 0; i < r->ngroups && !v->failed; i++)
		parse_group(v, json_array_get(leaks, i), i, &r->groups[i]);
}

int lt_reportfile_load(const char *path, struct lt_report *out, char *err, size_t errlen)
{
	struct vctx v = {.file = path, .err = err, .errlen = errlen};
	memset(out, 0, sizeof(*out));
	out->signal = -1;

	/* Open the file ourselves so the message carries strerror(errno) and a directory is
	 * named as such instead of jansson's generic read error. */
	FILE *f = fopen(path, "rb");
	if (!f) {
		fail(&v, "", "cannot open: %s", strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		fail(&v, "", "is a directory");
		return -1;
	}
	/* a text report (the shim's default format) is not JSON: say what to
	 * ask for instead of quoting jansson on its first line */
	int first = fgetc(f);
	while (first == ' ' || first == '\t' || first == '\n' || first == '\r')
		first = fgetc(f);
	if (first != EOF && !strchr("{[\"-0123456789tfn", first)) {
		fclose(f);
		fail(&v, "", "not JSON: leaktrace expects a JSON report (format=json), "
		     "e.g. LEAKTRACE_OPTIONS=format=json:output=/tmp/leaks.%%p.json");
		return -1;
	}
	rewind(f);
	/* The streaming reader first; what it declines, jansson reads (and words the error). */
	struct lt_stream sr;
	if (lt_stream_read(f, &sr) == 0) {
		out->root = sr.root;
		out->strings = sr.strings;
		sr.root = NULL;
		sr.strings = NULL;
		v.stacks = sr.stacks;
		v.nstacks = sr.nstacks;
	} else {
		rewind(f);
		json_error_t je;
		out->root = json_loadf(f, 0, &je);
		if (!out->root) {
			fclose(f);
			char where[48];
			snprintf(where, sizeof where, "line %d", je.line);
			fail(&v, je.line > 0 ? where : "", "%s", je.text);
			return -1;
		}
	}
	fclose(f);
	out->path = strdup(path);
	if (!out->path) {
		lt_stream_free(&sr);
		fail(&v, "", "out of memory");
		lt_reportfile_free(out);
		return -1;
	}
	parse_report(&v, out);
	lt_stream_free(&sr);
	if (v.failed) {
		lt_reportfile_free(out);
		return -1;
	}
	return 0;
}

int lt_reportfile_load_or_complain(const char *path, struct lt_report *out)
{
	char err[512];
	if (lt_reportfile_load(path, out, err, sizeof err) == 0)
		return 0;
	fprintf(stderr, "leaktrace: error: %s\n", err);
	return -1;
}

void lt_reportfile_free(struct lt_report *r)
{
	for (size_t i = 0; i < r->ngroups; i++)
		free(r->groups[i].frames);
	free(r->groups);
	free(r->path);
	json_decref(r->root);
	if (r->strings) {
		lt_strmap_free(r->strings);
		free(r->strings);
	}
	memset(r, 0, sizeof(*r));
}

/* ---------------------------------------------------------------------------------------
 * Keys and labels
 * ------------------------------------------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 128;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		char *np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Appends a length-prefixed field ("<len>:<bytes>"), or "-" for NULL, so two different
 * frame lists can never produce the same key whatever characters the names contain. */
static void sb_field(struct sbuf *b, const char *s)
{
	char num[32];
	if (!s) {
		sb_add(b, "-", 1);
		return;
	}
	size_t n = strlen(s);
	int k = snprintf(num, sizeof num, "%zu:", n);
	sb_add(b, num, (size_t)k);
	sb_add(b, s, n);
}

char *lt_reportfile_group_key(const struct lt_group *g)
{
	struct sbuf b = {0};
	char num[32];
	sb_field(&b, g->kind);
	sb_field(&b, lt_reportfile_class_name(g->class_));
	bool symbolized = false;
	for (size_t i = 0; i < g->nframes; i++)
		if (g->frames[i].function || g->frames[i].file)
			symbolized = true;
	if (symbolized) {
		for (size_t i = 0; i < g->nframes; i++) {
			const struct lt_frame *f = &g->frames[i];
			sb_add(&b, "|", 1);
			sb_field(&b, f->function);
			sb_field(&b, f->file);
			int k = snprintf(num, sizeof num, "%lld", f->line);
			sb_add(&b, num, (size_t)k);
		}
	} else {
		/* Raw addresses differ between runs (ASLR); the stack_id is the only identity
		 * left, and it is stable within one process. */
		int k = snprintf(num, sizeof num, "#%lld", g->stack_id);
		sb_add(&b, num, (size_t)k);
	}
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

const char *lt_reportfile_frame_label(const struct lt_frame *f, char *buf, size_t buflen)
{
	if (f->function) {
		snprintf(buf, buflen, "%s", f->function);
	} else if (f->module && f->address) {
		const char *base = strrchr(f->module, '/');
		snprintf(buf, buflen, "%s@%s", base ? base + 1 : f->module, f->address);
	} else {
		snprintf(buf, buflen, "%s", f->address ? f->address : "??");
	}
	/* A cut in the middle of a UTF-8 sequence would make the label invalid JSON text. */
	size_t n = strlen(buf);
	if (buflen && n == buflen - 1) {
		size_t lead = n;
		while (lead > 0 && ((unsigned char)buf[lead - 1] & 0xC0) == 0x80)
			lead--;
		if (lead > 0 && (unsigned char)buf[lead - 1] >= 0xC0) {
			unsigned char c = (unsigned char)buf[lead - 1];
			size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
			if (n - (lead - 1) < need)
				buf[lead - 1] = '\0';
		}
	}
	/* ';' separates frames in folded stacks and a line break ends the record. */
	for (char *p = buf; *p; p++) {
		if (*p == ';')
			*p = ':';
		else if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	return buf;
}

bool lt_reportfile_group_shown(const struct lt_group *g, bool all)
{
	if (all)
		return true;
	return !g->suppressed && g->class_ != LT_CLASS_REACHABLE;
}

/* json_string() refuses invalid UTF-8, but jansson already validated every string it
 * loaded, so only out of memory can make these fail; json_array_append_new then ignores
 * the NULL and the caller sees a shorter stack rather than a crash. */
static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

json_t *lt_reportfile_stack_json(const struct lt_group *g)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < g->nframes; i++) {
		const struct lt_frame *f = &g->frames[i];
		json_array_append_new(arr, json_pack("{s:o,s:o,s:o,s:I,s:o,s:b}",
			"address", str_or_null(f->address), "function", str_or_null(f->function),
			"file", str_or_null(f->file), "line", (json_int_t)f->line,
			"module", str_or_null(f->module), "inlined", f->inlined));
	}
	return arr;
}
