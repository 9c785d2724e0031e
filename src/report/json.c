/* The JSON report writer: the contract documented in leaktrace-json(5).
 * Keys are only ever added, never renamed or removed; format_version
 * changes if a meaning ever has to. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../lt.h"
#include "../options.h"
#include "emit.h"

static const char *reason_name(int r)
{
	switch (r) {
	case LT_REASON_SNAPSHOT: return "snapshot";
	case LT_REASON_SIGNAL: return "signal";
	default: return "exit";
	}
}

static void class_total(lt_buf_t *b, const char *name, const lt_class_total_t *t, int last)
{
	lt_buf_printf(b, "      \"%s\": {\"bytes\": %llu, \"blocks\": %llu}%s\n", name,
		      (unsigned long long)t->bytes, (unsigned long long)t->blocks,
		      last ? "" : ",");
}

static void str_field(lt_buf_t *b, int *first, const char *key, const char *v)
{
	if (!v)
		return;
	lt_buf_printf(b, "%s\"%s\": ", *first ? "" : ", ", key);
	lt_buf_json_str(b, v);
	*first = 0;
}

static void int_field(lt_buf_t *b, int *first, const char *key, long long v)
{
	lt_buf_printf(b, "%s\"%s\": %lld", *first ? "" : ", ", key, v);
	*first = 0;
}

static void write_handle(lt_buf_t *b, const lt_handle_detail_t *h)
{
	int first = 1;
	lt_buf_puts(b, "{");
	if (h->fd >= 0)
		int_field(b, &first, "fd", h->fd);
	str_field(b, &first, "what", h->what);
	str_field(b, &first, "family", h->family);
	str_field(b, &first, "type", h->type);
	str_field(b, &first, "local", h->local);
	str_field(b, &first, "peer", h->peer);
	str_field(b, &first, "tcp_state", h->tcp_state);
	str_field(b, &first, "note", h->note);
	str_field(b, &first, "path", h->path);
	if (h->ring_fd >= 0)
		int_field(b, &first, "ring_fd", h->ring_fd);
	if (h->index >= 0)
		int_field(b, &first, "index", h->index);
	if (h->length)
		int_field(b, &first, "length", (long long)h->length);
	if (h->addr) {
		char a[32];
		snprintf(a, sizeof a, "0x%llx", (unsigned long long)h->addr);
		str_field(b, &first, "address", a);
	}
	if (h->ident >= 0)
		int_field(b, &first, "ident", h->ident);
	str_field(b, &first, "filter", h->filter);
	if (h->pid >= 0)
		int_field(b, &first, "pid", h->pid);
	str_field(b, &first, "state", h->state);
	str_field(b, &first, "exit_status", h->exit_status);
	str_field(b, &first, "prot", h->prot);
	if (h->popen) {
		lt_buf_printf(b, "%s\"popen\": true", first ? "" : ", ");
		first = 0;
	}
	str_field(b, &first, "command", h->command);
	lt_buf_puts(b, "}");
}

static void write_group(lt_buf_t *b, const lt_report_t *r, const lt_group_t *g, size_t id)
{
	lt_buf_printf(b, "    {\"id\": %zu, \"kind\": \"%s\", \"class\": \"%s\", \"leaked\": %s,",
		      id, lt_kind_name(g->key.kind), lt_class_name(g->key.cls),
		      g->leaked ? "true" : "false");
	if (g->suppressed_by) {
		lt_buf_puts(b, " \"suppressed\": true, \"suppressed_by\": ");
		lt_buf_json_str(b, g->suppressed_by);
		lt_buf_puts(b, ",");
	}
	if (g->key.kind != LT_KIND_MEMORY)
		lt_buf_printf(b, " \"origin\": \"%s\",", g->key.origin ? "unknown" : "traced");
	else if (g->key.origin == LT_ORIGIN_FORK)
		lt_buf_printf(b, " \"allocated_before_fork\": true, \"fork_parent_pid\": %d,",
			      r->fork_parent_pid);
	lt_buf_printf(b, "\n     \"bytes\": %llu, \"count\": %llu, \"stack_id\": %u, "
			 "\"oldest_ms\": %u, \"newest_ms\": %u,\n     \"stack\": [",
		      (unsigned long long)g->bytes, (unsigned long long)g->count,
		      g->key.stack, g->oldest_ms == UINT32_MAX ? 0 : g->oldest_ms,
		      g->newest_ms);
	for (int i = 0; i < g->nframes; i++) {
		const lt_frame_t *f = &g->frames[i];
		lt_buf_printf(b, "%s\n       {\"address\": \"0x%llx\", \"function\": ",
			      i ? "," : "", (unsigned long long)f->addr);
		lt_buf_json_str(b, f->function);
		lt_buf_puts(b, ", \"file\": ");
		lt_buf_json_str(b, f->file);
		lt_buf_printf(b, ", \"line\": %d, \"module\": ", f->line);
		lt_buf_json_str(b, f->module);
		lt_buf_printf(b, ", \"inlined\": %s}", f->inlined ? "true" : "false");
	}
	lt_buf_puts(b, g->nframes ? "\n     ]" : "]");
	if (g->key.kind != LT_KIND_MEMORY) {
		lt_buf_puts(b, ",\n     \"handles\": [");
		for (size_t i = 0; i < g->nhandles; i++) {
			if (i)
				lt_buf_puts(b, ", ");
			write_handle(b, &g->handles[i]);
		}
		lt_buf_puts(b, "]");
	}
	lt_buf_puts(b, "}");
}

static void write_rule(lt_buf_t *b, const lt_supp_used_t *ru)
{
	lt_buf_puts(b, "{\"rule\": ");
	lt_buf_json_str(b, ru->text);
	lt_buf_puts(b, ", \"file\": ");
	lt_buf_json_str(b, ru->file);
	lt_buf_printf(b, ", \"line\": %d, \"hits\": %llu, \"bytes\": %llu, \"blocks\": %llu, \"handles\": %llu}",
		      ru->line, (unsigned long long)ru->hits, (unsigned long long)ru->bytes,
		      (unsigned long long)ru->blocks, (unsigned long long)ru->handles);
}

/* ",\n  \"suppressions\": [...]" when rules are loaded */
static void suppressions(lt_buf_t *b, const lt_report_t *r)
{
	if (!r->nrules)
		return;
	lt_buf_puts(b, ",\n  \"suppressions\": [");
	for (size_t i = 0; i < r->nrules; i++) {
		lt_buf_puts(b, i ? ",\n    " : "\n    ");
		write_rule(b, &r->rules[i]);
	}
	lt_buf_puts(b, "\n  ]");
}

static void write_set(lt_buf_t *b, const char *const *names, int n, unsigned bits)
{
	int first = 1;
	lt_buf_puts(b, "[");
	for (int i = 0; i < n; i++)
		if (bits & (1u << i)) {
			lt_buf_printf(b, "%s\"%s\"", first ? "" : ", ", names[i]);
			first = 0;
		}
	lt_buf_puts(b, "]");
}

void lt_json_write(const lt_report_t *r, lt_buf_t *b)
{
	char when[64];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);

	lt_buf_puts(b, "{\n  \"tool\": \"leaktrace\",\n  \"version\": \"" LT_VERSION "\",\n");
	lt_buf_printf(b, "  \"format_version\": %d,\n", LT_JSON_FORMAT_VERSION);
	lt_buf_printf(b, "  \"pid\": %d,\n  \"ppid\": %d,\n  \"exe\": ", r->pid, r->ppid);
	lt_buf_json_str(b, r->exe);
	lt_buf_printf(b, ",\n  \"reason\": \"%s\",\n", reason_name(r->reason));
	if (r->reason == LT_REASON_SIGNAL)
		lt_buf_printf(b, "  \"signal\": %d,\n", r->signo);
	lt_buf_printf(b, "  \"sequence\": %u,\n  \"time\": \"%s\",\n  \"uptime_ms\": %llu,\n",
		      r->sequence, when, (unsigned long long)r->uptime_ms);
	lt_buf_printf(b, "  \"classified\": %s,\n", r->classified ? "true" : "false");
	if (r->classify_note) {
		lt_buf_puts(b, "  \"classify_note\": ");
		lt_buf_json_str(b, r->classify_note);
		lt_buf_puts(b, ",\n");
	}
	lt_buf_printf(b, "  \"memory_traced\": %s,\n", r->memory_note ? "false" : "true");
	if (r->memory_note) {
		lt_buf_puts(b, "  \"memory_note\": ");
		lt_buf_json_str(b, r->memory_note);
		lt_buf_puts(b, ",\n");
	}
	if (r->reason == LT_REASON_SNAPSHOT)
		lt_buf_printf(b, "  \"pause_ms\": %.3f,\n", r->pause_ms);
	if (r->stack_cache.mode)
		lt_buf_printf(b, "  \"stack_cache\": {\"mode\": \"%s\", \"hits\": %llu, \"misses\": %llu, "
				 "\"fills\": %llu, \"verified\": %llu, \"mismatches\": %llu},\n",
			      r->stack_cache.mode, (unsigned long long)r->stack_cache.hits,
			      (unsigned long long)r->stack_cache.misses,
			      (unsigned long long)r->stack_cache.fills,
			      (unsigned long long)r->stack_cache.verified,
			      (unsigned long long)r->stack_cache.mismatches);
	if (r->nnotes) {
		lt_buf_puts(b, "  \"notes\": [");
		for (size_t i = 0; i < r->nnotes; i++) {
			lt_buf_puts(b, i ? ", " : "");
			lt_buf_json_str(b, r->notes[i]);
		}
		lt_buf_puts(b, "],\n");
	}

	/* fail_classes bits follow the memory classes' order (options.h) */
	const char *cls[4];
	for (int i = 0; i < 4; i++)
		cls[i] = lt_class_name(i);
	const char *kinds[LT_FAIL_BITS];
	for (int i = 0; i < LT_FAIL_BITS; i++)
		kinds[i] = lt_fail_on_name(i);
	lt_buf_puts(b, "  \"gate\": {\"counted_classes\": ");
	write_set(b, cls, 4, (unsigned)lt_opt.fail_classes);
	lt_buf_puts(b, ", \"counted_kinds\": ");
	write_set(b, kinds, (int)LT_ARRAY_LEN(kinds), (unsigned)lt_opt.fail_on);
	lt_buf_printf(b, ", \"threshold_bytes\": %llu, \"threshold_handles\": %ld, "
			 "\"exitcode\": %ld, \"failed\": %s, \"applies\": %s},\n",
		      (unsigned long long)lt_opt.leak_threshold, lt_opt.handle_threshold,
		      lt_opt.exitcode, r->gate_failed ? "true" : "false",
		      r->gate_applies ? "true" : "false");

	lt_buf_printf(b, "  \"summary\": {\n    \"leaked_bytes\": %llu, \"leaked_blocks\": %llu, "
			 "\"leaked_handles\": %llu,\n    \"live_bytes\": %llu, \"live_blocks\": %llu, "
			 "\"live_handles\": %llu,\n    \"by_class\": {\n",
		      (unsigned long long)r->leaked_bytes, (unsigned long long)r->leaked_blocks,
		      (unsigned long long)r->leaked_handles, (unsigned long long)r->live_bytes,
		      (unsigned long long)r->live_blocks, (unsigned long long)r->live_handles);
	for (int c = 0; c <= LT_CLASS_UNCLASSIFIED; c++)
		class_total(b, lt_class_name(c), &r->by_class[c], c == LT_CLASS_UNCLASSIFIED);
	lt_buf_puts(b, "    },\n    \"by_kind\": {");
	lt_report_kinds(r, b, "\"%s\": %llu");
	lt_buf_printf(b, "},\n    \"unknown_handles\": %llu,\n    \"unknown_frees\": %llu,\n"
			 "    \"suppressed\": {\"bytes\": %llu, \"blocks\": %llu, \"handles\": %llu}\n  },\n",
		      (unsigned long long)r->unknown_handles, (unsigned long long)r->unknown_frees,
		      (unsigned long long)r->supp_bytes, (unsigned long long)r->supp_blocks,
		      (unsigned long long)r->supp_handles);

	lt_buf_puts(b, "  \"leaks\": [");
	for (size_t i = 0; i < r->ngroups; i++) {
		lt_buf_puts(b, i ? ",\n" : "\n");
		write_group(b, r, r->sorted[i], i + 1);
	}
	lt_buf_puts(b, r->ngroups ? "\n  ]" : "]");
	suppressions(b, r);
	lt_buf_puts(b, "\n}\n");
}
