/* A saved report read back into the shim's report model (src/model/model.h)
 * and printed with the shim's own text emitter: `leaktrace report FILE.json`
 * and the report the program wrote to stderr are the same text. The model's
 * strings point into the loaded JSON tree, which outlives the model. */
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "options.h"
#include "textreport.h"

/* The model's memory in the command: libc's allocator. */
void *lt_model_realloc(void *p, size_t old, size_t n)
{
	(void)old;
	return realloc(p, n);
}

void lt_model_free(void *p)
{
	free(p);
}

static const char *str_at(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static long long int_at(json_t *o, const char *key, long long dflt)
{
	json_t *j = json_object_get(o, key);
	return json_is_integer(j) ? (long long)json_integer_value(j) : dflt;
}

static uintptr_t hex_at(json_t *o, const char *key)
{
	const char *s = str_at(o, key);
	return s ? (uintptr_t)strtoull(s, NULL, 16) : 0;
}

static void read_handle(json_t *h, lt_handle_detail_t *d)
{
	lt_handle_detail_init(d);
	d->fd = (int)int_at(h, "fd", -1);
	d->what = str_at(h, "what");
	d->family = str_at(h, "family");
	d->type = str_at(h, "type");
	d->local = str_at(h, "local");
	d->peer = str_at(h, "peer");
	d->tcp_state = str_at(h, "tcp_state");
	d->note = str_at(h, "note");
	d->path = str_at(h, "path");
	d->ring_fd = (int)int_at(h, "ring_fd", -1);
	d->index = int_at(h, "index", -1);
	d->length = (uint64_t)int_at(h, "length", 0);
	d->addr = hex_at(h, "address");
	d->ident = int_at(h, "ident", -1);
	d->filter = str_at(h, "filter");
	d->pid = (int)int_at(h, "pid", -1);
	d->state = str_at(h, "state");
	d->exit_status = str_at(h, "exit_status");
	d->prot = str_at(h, "prot");
	d->popen = json_is_true(json_object_get(h, "popen"));
	d->command = str_at(h, "command");
}

/* One group of the file: the loaded one (in) and its JSON object (jg). */
static int read_group(const struct lt_group *in, json_t *jg, lt_report_t *m, lt_group_t *g)
{
	memset(g, 0, sizeof *g);
	g->key.kind = in->is_memory ? LT_KIND_MEMORY : lt_kind_of_name(in->kind);
	g->key.cls = (int)in->class_;
	if (!in->is_memory)
		g->key.origin = in->origin && !strcmp(in->origin, "unknown");
	else if (json_is_true(json_object_get(jg, "allocated_before_fork"))) {
		g->key.origin = LT_ORIGIN_FORK;
		m->fork_parent_pid = (int)int_at(jg, "fork_parent_pid", 0);
	}
	g->key.stack = (uint32_t)in->stack_id;
	g->bytes = (uint64_t)in->bytes;
	g->count = (uint64_t)in->count;
	g->oldest_ms = (uint32_t)in->oldest_ms;
	g->newest_ms = (uint32_t)in->newest_ms;
	g->leaked = in->leaked;
	if (in->suppressed)
		g->suppressed_by = in->suppressed_by ? in->suppressed_by : "a rule";
	if (in->nframes) {
		g->frames = calloc(in->nframes, sizeof *g->frames);
		if (!g->frames)
			return -1;
	}
	for (size_t i = 0; i < in->nframes; i++) {
		const struct lt_frame *f = &in->frames[i];
		g->frames[i] = (lt_frame_t){ f->address ? (uintptr_t)strtoull(f->address, NULL, 16) : 0,
					     f->function, f->file, (int)f->line, f->module, f->inlined };
	}
	g->nframes = (int)in->nframes;
	size_t nh = json_array_size(in->handles);
	if (nh) {
		g->handles = calloc(nh, sizeof *g->handles);
		if (!g->handles)
			return -1;
	}
	for (size_t i = 0; i < nh; i++)
		read_handle(json_array_get(in->handles, i), &g->handles[i]);
	g->nhandles = g->handles_cap = nh;
	/* a thread or child still running is listed apart (the shim's
	 * key.running), which the JSON says per handle */
	g->key.running = (g->key.kind == LT_KIND_THREAD || g->key.kind == LT_KIND_CHILD) && nh &&
			 g->handles[0].state && !strcmp(g->handles[0].state, "running");
	return 0;
}

static void free_model(lt_report_t *m)
{
	for (size_t i = 0; i < m->ngroups; i++) {
		free(m->sorted[i]->frames);
		free(m->sorted[i]->handles);
	}
	free(m->table);
	free(m->sorted);
	free((void *)m->notes);
	free((void *)m->rules);
}

static int read_model(const struct lt_report *in, lt_report_t *m)
{
	json_t *root = in->root, *sum = json_object_get(root, "summary");
	memset(m, 0, sizeof *m);
	m->reason = !strcmp(in->reason, "snapshot") ? LT_REASON_SNAPSHOT
		  : !strcmp(in->reason, "signal") ? LT_REASON_SIGNAL : LT_REASON_EXIT;
	m->signo = (int)in->signal;
	m->sequence = (unsigned)in->sequence;
	m->pid = (int)in->pid;
	m->ppid = (int)in->ppid;
	m->exe = in->exe;
	m->uptime_ms = (uint64_t)in->uptime_ms;
	m->classified = in->classified;
	m->classify_note = str_at(root, "classify_note");
	m->memory_note = str_at(root, "memory_note");

	json_t *notes = json_object_get(root, "notes");
	size_t nn = json_array_size(notes);
	const char **nv = nn ? calloc(nn, sizeof *nv) : NULL;
	for (size_t i = 0; nv && i < nn; i++)
		nv[i] = json_string_value(json_array_get(notes, i));
	m->notes = nv;
	m->nnotes = nv ? nn : 0;

	json_t *supp = json_object_get(root, "suppressions");
	size_t nr = json_array_size(supp);
	lt_supp_used_t *rv = nr ? calloc(nr, sizeof *rv) : NULL;
	for (size_t i = 0; rv && i < nr; i++) {
		json_t *o = json_array_get(supp, i);
		const char *text = str_at(o, "rule");
		rv[i] = (lt_supp_used_t){ text ? text : "", str_at(o, "file"), (int)int_at(o, "line", 0),
					  (uint64_t)int_at(o, "hits", 0), (uint64_t)int_at(o, "bytes", 0),
					  (uint64_t)int_at(o, "blocks", 0), (uint64_t)int_at(o, "handles", 0) };
	}
	m->rules = rv;
	m->nrules = rv ? nr : 0;

	m->table = in->ngroups ? calloc(in->ngroups, sizeof *m->table) : NULL;
	m->sorted = in->ngroups ? calloc(in->ngroups, sizeof *m->sorted) : NULL;
	if (in->ngroups && (!m->table || !m->sorted))
		return -1;
	json_t *leaks = json_object_get(root, "leaks");
	for (size_t i = 0; i < in->ngroups; i++) {
		m->sorted[i] = &m->table[i];
		m->ngroups = i + 1;
		if (read_group(&in->groups[i], json_array_get(leaks, i), m, &m->table[i]))
			return -1;
	}

	for (int c = 0; c < LT_MEMORY_CLASS_COUNT; c++)
		m->by_class[c] = (lt_class_total_t){ (uint64_t)in->by_class[c].bytes,
						     (uint64_t)in->by_class[c].blocks };
	const char *kind;
	json_t *count;
	json_object_foreach(in->by_kind, kind, count) {
		int k = lt_kind_of_name(kind);
		if (k > 0 && json_is_integer(count))
			m->by_kind[k] = (uint64_t)json_integer_value(count);
	}
	m->leaked_bytes = (uint64_t)in->leaked_bytes;
	m->leaked_blocks = (uint64_t)in->leaked_blocks;
	m->leaked_handles = (uint64_t)in->leaked_handles;
	m->live_bytes = (uint64_t)in->live_bytes;
	m->live_blocks = (uint64_t)in->live_blocks;
	m->live_handles = (uint64_t)in->live_handles;
	m->unknown_handles = (uint64_t)in->unknown_handles;
	m->unknown_frees = (uint64_t)int_at(sum, "unknown_frees", 0);
	m->supp_bytes = (uint64_t)in->suppressed_bytes;
	m->supp_blocks = (uint64_t)in->suppressed_blocks;
	m->supp_handles = (uint64_t)in->suppressed_handles;
	m->gate_failed = in->gate_failed;
	m->gate_applies = json_is_true(json_object_get(json_object_get(root, "gate"), "applies"));
	return 0;
}

int lt_textreport_write(FILE *out, const struct lt_report *in, bool all)
{
	lt_report_t m;
	lt_text_view_t v;
	lt_buf_t b;
	int rc = -1;
	/* the shim's defaults; --all shows every class, suppressed and
	 * inherited group */
	lt_options_t dflt;
	lt_opt_defaults(&dflt);
	lt_text_view_from_options(&v, &dflt);
	if (all) {
		v.show_classes = LT_CLS_DEFINITE | LT_CLS_INDIRECT | LT_CLS_POSSIBLE | LT_CLS_REACHABLE;
		v.show_suppressed = 1;
		v.report_inherited = 1;
	}
	lt_buf_init(&b);
	if (read_model(in, &m) == 0) {
		lt_text_write(&m, &v, &b);
		if (!b.oom && fwrite(b.data, 1, b.len, out) == b.len)
			rc = 0;
	}
	lt_buf_free(&b);
	free_model(&m);
	return rc;
}
