/* The text report, in the shape valgrind and LeakSanitizer users read:
 * one paragraph per group ("Direct leak of 320 byte(s) in 2 object(s)
 * allocated from:" and the frames), a LEAK SUMMARY by class, and a last
 * one-line SUMMARY. Still reachable groups appear only when show_classes
 * asks; min_bytes and max_leaks trim what is shown, never the totals. */
#include <stdio.h>
#include <string.h>

#include "../options.h"
#include "../signame.h"
#include "model.h"

void lt_handle_detail_init(lt_handle_detail_t *d)
{
	memset(d, 0, sizeof *d);
	d->fd = -1;
	d->ring_fd = -1;
	d->index = -1;
	d->ident = -1;
	d->pid = -1;
}

void lt_text_view_from_options(lt_text_view_t *v, const lt_options_t *o)
{
	v->show_classes = o->show_classes;
	v->min_bytes = o->min_bytes;
	v->max_leaks = o->max_leaks;
	v->show_suppressed = o->show_suppressed;
	v->report_inherited = o->report_inherited;
}

static const char *class_title(const lt_group_t *g)
{
	switch (g->key.cls) {
	case LT_CLASS_DEFINITE: return "Direct leak";
	case LT_CLASS_INDIRECT: return "Indirect leak";
	case LT_CLASS_POSSIBLE: return "Possible leak";
	case LT_CLASS_REACHABLE: return "Still reachable";
	default: return "Leak";
	}
}

int lt_text_shows(const lt_text_view_t *v, const lt_group_t *g)
{
	if (g->suppressed_by)
		return v->show_suppressed;
	if (g->key.kind != LT_KIND_MEMORY)
		return g->key.origin == 0 || v->report_inherited;
	if (g->bytes < v->min_bytes)
		return 0;
	unsigned m = v->show_classes;
	switch (g->key.cls) {
	case LT_CLASS_DEFINITE: return !!(m & LT_CLS_DEFINITE);
	case LT_CLASS_INDIRECT: return !!(m & LT_CLS_INDIRECT);
	case LT_CLASS_POSSIBLE: return !!(m & LT_CLS_POSSIBLE);
	case LT_CLASS_REACHABLE: return !!(m & LT_CLS_REACHABLE);
	default: return 1;
	}
}

static void frames(lt_buf_t *b, const lt_group_t *g)
{
	if (!g->nframes) {
		lt_buf_puts(b, "    <no stack: depth=0 or captured before tracing started>\n");
		return;
	}
	for (int i = 0; i < g->nframes; i++) {
		const lt_frame_t *f = &g->frames[i];
		lt_buf_printf(b, "    #%d 0x%llx in %s", i, (unsigned long long)f->addr,
			      f->function ? f->function : "??");
		if (f->file)
			lt_buf_printf(b, " %s:%d", f->file, f->line);
		if (f->inlined)
			lt_buf_puts(b, " (inlined)");
		if (f->module)
			lt_buf_printf(b, " (%s)", f->module);
		lt_buf_puts(b, "\n");
	}
}

/* What a group of handles is, in the text's words: the kind says whether
 * the program holds a descriptor or a stdio/directory stream, the detail
 * line says what is underneath ("file PATH", "pipe", "socket ..."), so a
 * FILE* and an open() descriptor on one file read alike but for that word.
 * The JSON keeps the contract's kind names (fd, file, dir...). */
static const char *kind_title(const lt_group_t *g)
{
	switch (g->key.kind) {
	case LT_KIND_FD: return "descriptor";
	case LT_KIND_FILE: return g->nhandles && g->handles[0].popen ? "pipe stream" : "stream";
	case LT_KIND_DIR: return "directory stream";
	default: return lt_kind_name(g->key.kind);
	}
}

/* One handle's detail line: the fields that are set, in this order; a
 * socket's family, type and addresses after the word "socket", a popen
 * stream's command after what it is (a pipe). */
static void handle_line(lt_buf_t *b, const lt_handle_detail_t *h)
{
	const struct {
		int set;
		const char *fmt;
		unsigned long long v;
	} nums[] = {
		{ h->fd >= 0, "fd %llu", (unsigned long long)h->fd },
		{ h->ring_fd >= 0, " ring fd %llu", (unsigned long long)h->ring_fd },
		{ h->index >= 0, " index %llu", (unsigned long long)h->index },
		{ h->addr != 0, " 0x%llx", (unsigned long long)h->addr },
		{ h->length != 0, " %llu bytes", (unsigned long long)h->length },
		{ h->ident >= 0, " ident %llu", (unsigned long long)h->ident },
		{ h->pid >= 0, " pid %llu", (unsigned long long)h->pid },
	};
	const struct {
		const char *v, *before, *after;
	} strs[] = {
		{ h->state, " ", "" }, { h->exit_status, " (", ")" }, { h->prot, " ", "" },
		{ h->filter, " ", "" }, { h->family ? "socket" : NULL, " ", "" },
		{ h->family, " ", "" }, { h->type, " ", "" },
		{ h->local, " ", "" }, { h->peer, " -> ", "" }, { h->tcp_state, " ", "" },
		{ h->what, " ", "" }, { h->path, " ", "" },
		{ h->popen ? (h->command ? h->command : "") : NULL,
		  h->command ? " (popen \"" : " (popen", h->command ? "\")" : ")" },
		{ h->note, " (", ")" },
	};
	lt_buf_t line;
	lt_buf_init(&line);
	for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
		if (nums[i].set)
			lt_buf_printf(&line, nums[i].fmt, nums[i].v);
	for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
		if (strs[i].v)
			lt_buf_printf(&line, "%s%s%s", strs[i].before, strs[i].v, strs[i].after);
	/* the first field written has no separator before it */
	const char *s = line.data && !line.oom ? line.data : "";
	lt_buf_printf(b, "    %s\n", *s == ' ' ? s + 1 : s);
	lt_buf_free(&line);
}

static void group(lt_buf_t *b, const lt_report_t *r, const lt_group_t *g)
{
	if (g->key.kind == LT_KIND_MEMORY) {
		lt_buf_printf(b, "%s of %llu byte(s) in %llu object(s) allocated ",
			      class_title(g), (unsigned long long)g->bytes,
			      (unsigned long long)g->count);
		if (g->key.origin == LT_ORIGIN_FORK)
			lt_buf_printf(b, "before fork in parent PID %d, ", r->fork_parent_pid);
		lt_buf_puts(b, "from:\n");
	} else {
		lt_buf_printf(b, "%s %s: %llu handle(s)", g->key.origin ? "Open (not created here)"
				      : g->key.running ? "Running" : g->leaked || g->suppressed_by ? "Leaked" : "Live",
			      kind_title(g), (unsigned long long)g->count);
		if (g->bytes)
			lt_buf_printf(b, ", %llu byte(s)", (unsigned long long)g->bytes);
		lt_buf_puts(b, g->key.origin ? ":\n"
			       : g->key.kind >= LT_KIND_THREAD ? " created from:\n" : " opened from:\n");
		for (size_t i = 0; i < g->nhandles && i < 16; i++)
			handle_line(b, &g->handles[i]);
		if (g->nhandles > 16)
			lt_buf_printf(b, "    ... and %zu more\n", g->nhandles - 16);
	}
	if (g->suppressed_by)
		lt_buf_printf(b, "  (suppressed by %s)\n", g->suppressed_by);
	if (!(g->key.kind != LT_KIND_MEMORY && g->key.origin))
		frames(b, g);
	lt_buf_puts(b, "\n");
}

int lt_report_kinds(const lt_report_t *r, lt_buf_t *b, const char *fmt)
{
	int n = 0;
	for (int k = 1; k < LT_KIND_COUNT; k++) {
		if (!r->by_kind[k])
			continue;
		if (b) {
			lt_buf_puts(b, n ? ", " : "");
			lt_buf_printf(b, fmt, lt_kind_name(k), (unsigned long long)r->by_kind[k]);
		}
		n++;
	}
	return n;
}

/* "Suppressions used:" with each rule's hits (show_suppressed). */
static void rules_used(lt_buf_t *b, const lt_report_t *r)
{
	if (!r->nrules)
		return;
	lt_buf_puts(b, "Suppressions used:\n  count      bytes template\n");
	for (size_t i = 0; i < r->nrules; i++) {
		const lt_supp_used_t *ru = &r->rules[i];
		const char *colon = strchr(ru->text, ':');
		lt_buf_printf(b, "  %5llu %10llu %s (%s:%d)%s\n", (unsigned long long)ru->hits,
			      (unsigned long long)ru->bytes, colon ? colon + 1 : ru->text,
			      ru->file ? ru->file : "?", ru->line, ru->hits ? "" : " (unused)");
	}
	lt_buf_puts(b, "\n");
}

void lt_text_write(const lt_report_t *r, const lt_text_view_t *v, lt_buf_t *b)
{
	char sig[32], termination[48];
	snprintf(termination, sizeof termination, "termination by %s",
		 lt_signal_name(r->signo, sig, sizeof sig));
	const char *why = r->reason == LT_REASON_SNAPSHOT ? "snapshot"
			: r->reason == LT_REASON_SIGNAL ? termination : "exit";
	lt_buf_puts(b, "=================================================================\n");
	lt_buf_printf(b, "==%d== leaktrace: report at %s of %s (pid %d)", r->pid, why,
		      r->exe ? r->exe : "?", r->pid);
	if (r->reason == LT_REASON_SNAPSHOT)
		lt_buf_printf(b, ", snapshot %u", r->sequence);
	lt_buf_puts(b, "\n");
	if (r->memory_note)
		lt_buf_printf(b, "==leaktrace== note: %s\n", r->memory_note);
	else if (!r->classified)
		lt_buf_puts(b, "==leaktrace== blocks are not classified by reachability: every live block counts\n");
	else if (r->classify_note)
		lt_buf_printf(b, "==leaktrace== note: %s\n", r->classify_note);
	for (size_t i = 0; i < r->nnotes; i++)
		lt_buf_printf(b, "==leaktrace== note: %s\n", r->notes[i]);
	lt_buf_puts(b, "\n");

	size_t n = 0, hidden = 0;
	for (size_t i = 0; i < r->ngroups; i++) {
		const lt_group_t *g = r->sorted[i];
		if (!lt_text_shows(v, g))
			continue;
		if (v->max_leaks && n >= (size_t)v->max_leaks) {
			hidden++;
			continue;
		}
		group(b, r, g);
		n++;
	}
	if (hidden)
		lt_buf_printf(b, "(%zu more group(s) not shown: max_leaks=%ld)\n\n", hidden, v->max_leaks);
	size_t unshown_reachable = 0;
	for (size_t i = 0; i < r->ngroups; i++) {
		const lt_group_t *g = r->sorted[i];
		if (g->key.kind == LT_KIND_MEMORY && g->key.cls == LT_CLASS_REACHABLE &&
		    !g->suppressed_by && !lt_text_shows(v, g))
			unshown_reachable++;
	}
	if (unshown_reachable)
		lt_buf_printf(b, "Still reachable blocks (%zu group(s)) are not shown; to see them, "
				 "set show_classes=all (leaktrace --show-reachable).\n\n",
			      unshown_reachable);

	if (v->show_suppressed)
		rules_used(b, r);
	lt_buf_puts(b, "LEAK SUMMARY:\n");
	static const char *const labels[] = { "definitely lost", "indirectly lost",
					      "possibly lost", "still reachable", "unclassified" };
	for (int c = 0; c <= LT_CLASS_UNCLASSIFIED; c++) {
		if (c == LT_CLASS_UNCLASSIFIED && r->classified)
			continue;
		if (c != LT_CLASS_UNCLASSIFIED && !r->classified)
			continue;
		lt_buf_printf(b, "   %16s: %llu byte(s) in %llu block(s)\n", labels[c],
			      (unsigned long long)r->by_class[c].bytes,
			      (unsigned long long)r->by_class[c].blocks);
	}
	lt_buf_printf(b, "   %16s: %llu byte(s) in %llu block(s), %llu handle(s)\n", "suppressed",
		      (unsigned long long)r->supp_bytes, (unsigned long long)r->supp_blocks,
		      (unsigned long long)r->supp_handles);
	lt_buf_printf(b, "   %16s: %llu", "open handles", (unsigned long long)r->live_handles);
	if (lt_report_kinds(r, NULL, NULL)) {
		lt_buf_puts(b, " (");
		lt_report_kinds(r, b, "%s %llu");
		lt_buf_puts(b, ")");
	}
	lt_buf_puts(b, "\n");
	if (r->unknown_handles)
		lt_buf_printf(b, "   %16s: %llu (open but not created under leaktrace; not counted)\n",
			      "other descriptors", (unsigned long long)r->unknown_handles);
	lt_buf_printf(b, "\nSUMMARY: leaktrace: %llu byte(s) leaked in %llu allocation(s); "
			 "%llu handle(s) leaked.%s\n",
		      (unsigned long long)r->leaked_bytes, (unsigned long long)r->leaked_blocks,
		      (unsigned long long)r->leaked_handles,
		      r->gate_failed ? "" : "");
}
