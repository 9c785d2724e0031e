/* Builds the data of the `report --html` page in C and writes the page with its inline style, script and JSON. */
#include "html.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "flame.h"
#include "jsonw.h"
#include "ptrmap.h"
#include "strmap.h"
#include "trend.h"

/* Page data layout (all indices 0-based):
 *   reports:  every report's header (all top-level keys but "leaks", plus "file"), oldest
 *             first; the last one is the detailed report
 *   names:    string table for frames and kinds
 *   frames:   [function, file, line, module, address, inlined, snippet]; name indices or -1
 *   groups:   [id, kind, class, leaked, suppressed, bytes, count, stack_id, [frame...],
 *              handles or null, origin or null], innermost frame first, in report order
 *   classes:  class names indexed by groups[i][2]
 *   snippets: [first_line_number, [line text...]] source around a frame's line
 *   flame:    lt_flame_build() of the detailed report (top-down "trees", bottom-up
 *             "inverted")
 *   timeline: null, or {t: [uptime_ms], seq: [sequence], live_bytes, live_handles,
 *             series: [{label, kind, memory, bytes: [], count: []}]}
 *   diff:     null, or lt_diff_to_json(OLD, NEW), each section cut to DIFF_ROWS
 *             entries (the totals and the n_* counts stay exact): the last two snapshots
 *             of the latest report's process, else the oldest and the latest report;
 *             "apart": the latest report's header when it is not NEW (an exit report)
 *   all:      whether --all selected the groups
 *   trend:    null for one report, else lt_trend_to_json() of the reports (at most
 *             TREND_ROWS suspects), or {error} when they are no trend (too few, mixed) */

/* Source context: lines before/after a frame's line, and budgets that keep a report with
 * tens of thousands of frames from turning the page into a copy of the source tree. */
#define SNIPPET_CONTEXT 3
#define SNIPPET_MAX 20000
#define SNIPPET_FILE_MAX (8 << 20)
#define SNIPPET_TOTAL_MAX (64 << 20)
#define SNIPPET_LINE_MAX 240
#define DIFF_ROWS 2000
#define TREND_ROWS 50
#define SERIES_MEMORY 6
#define SERIES_HANDLES 4

/* ---------------------------------------------------------------------------------------
 * Escaping
 * ------------------------------------------------------------------------------------- */

void lt_html_escape_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

/* json_dump_callback hands over chunks of the serialized text. '<', '>' and '&' can only
 * occur inside JSON strings, where \uXXXX escapes mean the same characters to JSON.parse. */
static int script_chunk(const char *buf, size_t size, void *data)
{
	FILE *out = data;
	size_t start = 0;
	for (size_t i = 0; i < size; i++) {
		const char *rep = buf[i] == '<' ? "\\u003c" : buf[i] == '>' ? "\\u003e"
				: buf[i] == '&' ? "\\u0026" : NULL;
		if (!rep)
			continue;
		if (i > start && fwrite(buf + start, 1, i - start, out) != i - start)
			return -1;
		if (fputs(rep, out) == EOF)
			return -1;
		start = i + 1;
	}
	if (size > start && fwrite(buf + start, 1, size - start, out) != size - start)
		return -1;
	return 0;
}

int lt_html_dump_script_json(FILE *out, const json_t *j)
{
	return json_dump_callback(j, script_chunk, out, JSON_COMPACT) == 0 && !ferror(out) ? 0 : -1;
}

/* ---------------------------------------------------------------------------------------
 * String table and source snippets
 * ------------------------------------------------------------------------------------- */

/* A frame of the page: indices into names (or -1), and its snippet (or -1). */
struct pframe {
	int fn, file, mod, addr;
	long long line;
	bool inlined;
	int snippet;
};

struct builder {
	/* names by text, and by the pointer a loaded report hands out for each distinct
	 * string (interned frame strings), so a string seen before is found without
	 * hashing its text; a pointer not seen yet is looked up by text once. */
	struct lt_strmap name_ids;
	struct lt_ptrmap name_ptrs;
	const char **names; /* by index; name_ids' copies */
	size_t nnames, names_cap;
	struct pframe *frames;
	size_t nframes, frames_cap;
	size_t *frame_slots; /* open addressing over frames: frame index + 1, 0 when empty */
	size_t frame_slots_cap;
	/* the shown groups of the detailed report: kind name and frame ids, in order */
	int *group_kinds;
	int *group_frames;
	size_t ngroups, ngroup_frames;
	/* source files read so far: path -> index into files[] */
	struct lt_strmap file_ids;
	struct srcfile {
		char *text;       /* NULL when unreadable or too big */
		size_t *line_off; /* start offset of each line */
		size_t nlines;
	} *files;
	size_t nfiles;
	size_t source_bytes;
	struct lt_strmap snippet_ids; /* "path\nline" -> snippet index */
	json_t *snippets;
	bool oom;
};

static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	if (!j) {
		/* Not UTF-8 (source text can be anything): keep ASCII, replace the rest. */
		char *copy = strdup(s);
		if (!copy)
			return NULL;
		for (unsigned char *p = (unsigned char *)copy; *p; p++)
			if (*p >= 0x80)
				*p = '?';
		j = json_string(copy);
		free(copy);
	}
	return j;
}

/* Grows *ARR (of *CAP elements of SIZE) to hold N; false when out of memory. */
static bool reserve(struct builder *b, void *arr, size_t *cap, size_t n, size_t size)
{
	void **p = arr;
	if (n <= *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 1024;
	while (ncap < n)
		ncap *= 2;
	void *np = realloc(*p, ncap * size);
	if (!np) {
		b->oom = true;
		return false;
	}
	*p = np;
	*cap = ncap;
	return true;
}

static int name_id(struct builder *b, const char *s)
{
	if (!s)
		return -1;
	size_t *slot = lt_ptrmap_get(&b->name_ptrs, s);
	if (slot)
		return (int)*slot;
	bool fresh;
	const char *stored;
	slot = lt_strmap_put_copy(&b->name_ids, s, &fresh, &stored);
	if (!slot) {
		b->oom = true;
		return -1;
	}
	if (fresh) {
		if (!reserve(b, &b->names, &b->names_cap, b->nnames + 1, sizeof(*b->names)))
			return -1;
		*slot = b->nnames;
		b->names[b->nnames++] = stored;
	}
	size_t id = *slot;
	size_t *ps = lt_ptrmap_put(&b->name_ptrs, s, &fresh);
	if (!ps) {
		b->oom = true;
		return -1;
	}
	*ps = id;
	return (int)id;
}

static struct srcfile *load_source(struct builder *b, const char *path)
{
	bool inserted;
	size_t *slot = lt_strmap_put_copy(&b->file_ids, path, &inserted, NULL);
	if (!slot) {
		b->oom = true;
		return NULL;
	}
	if (!inserted)
		return &b->files[*slot];
	struct srcfile *nf = realloc(b->files, (b->nfiles + 1) * sizeof(*nf));
	if (!nf) {
		b->oom = true;
		return NULL;
	}
	b->files = nf;
	*slot = b->nfiles;
	struct srcfile *sf = &b->files[b->nfiles++];
	memset(sf, 0, sizeof(*sf));
	if (b->source_bytes >= SNIPPET_TOTAL_MAX)
		return sf;
	/* A report may name paths of another machine or long gone: unreadable is normal. */
	FILE *f = fopen(path, "rb");
	if (!f)
		return sf;
	char *text = malloc(SNIPPET_FILE_MAX + 1);
	size_t len = text ? fread(text, 1, SNIPPET_FILE_MAX + 1, f) : 0;
	fclose(f);
	if (!text || len > SNIPPET_FILE_MAX) {
		free(text);
		return sf;
	}
	text[len] = '\0';
	size_t n = 1;
	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	sf->line_off = malloc(n * sizeof(*sf->line_off));
	if (!sf->line_off) {
		free(text);
		return sf;
	}
	sf->nlines = 0;
	sf->line_off[sf->nlines++] = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\n') {
			text[i] = '\0';
			sf->line_off[sf->nlines++] = i + 1;
		}
	}
	sf->text = text;
	b->source_bytes += len;
	return sf;
}

/* Index of the snippet around FILE:LINE, or -1 when the file cannot be read. */
static int snippet_id(struct builder *b, const char *file, long long line)
{
	if (!file || line <= 0 || json_array_size(b->snippets) >= SNIPPET_MAX)
		return -1;
	size_t klen = strlen(file) + 32;
	char *key = malloc(klen);
	if (!key) {
		b->oom = true;
		return -1;
	}
	snprintf(key, klen, "%s\n%lld", file, line);
	if (lt_strmap_get(&b->snippet_ids, key)) {
		size_t id = *lt_strmap_get(&b->snippet_ids, key);
		free(key);
		return (int)id;
	}
	struct srcfile *sf = load_source(b, file);
	if (!sf || !sf->text || (size_t)line > sf->nlines) {
		free(key);
		return -1;
	}
	long long first = line - SNIPPET_CONTEXT < 1 ? 1 : line - SNIPPET_CONTEXT;
	long long last = line + SNIPPET_CONTEXT;
	if ((size_t)last > sf->nlines)
		last = (long long)sf->nlines;
	json_t *lines = json_array();
	for (long long l = first; l <= last; l++) {
		char buf[SNIPPET_LINE_MAX + 4];
		const char *src = sf->text + sf->line_off[l - 1];
		size_t n = strlen(src);
		if (n && src[n - 1] == '\r')
			n--;
		if (n > SNIPPET_LINE_MAX)
			n = SNIPPET_LINE_MAX; /* jstr() repairs a cut UTF-8 sequence */
		memcpy(buf, src, n);
		buf[n] = '\0';
		json_array_append_new(lines, jstr(buf));
	}
	bool inserted;
	size_t *slot = lt_strmap_put(&b->snippet_ids, key, &inserted);
	if (!slot) {
		json_decref(lines);
		b->oom = true;
		return -1;
	}
	*slot = json_array_size(b->snippets);
	json_array_append_new(b->snippets, json_pack("[I,o]", (json_int_t)first, lines));
	return (int)*slot;
}

static uint64_t frame_hash(const struct pframe *f)
{
	uint64_t h = 1469598103934665603ULL;
	const long long parts[6] = {f->fn, f->file, f->line, f->mod, f->addr, f->inlined};
	for (int i = 0; i < 6; i++) {
		h ^= (uint64_t)parts[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 29;
	}
	return h;
}

static bool frame_eq(const struct pframe *a, const struct pframe *b)
{
	return a->fn == b->fn && a->file == b->file && a->line == b->line && a->mod == b->mod &&
	       a->addr == b->addr && a->inlined == b->inlined;
}

static int frame_slots_grow(struct builder *b)
{
	size_t ncap = b->frame_slots_cap ? b->frame_slots_cap * 2 : 4096;
	size_t *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (size_t i = 0; i < b->frame_slots_cap; i++) {
		if (!b->frame_slots[i])
			continue;
		size_t j = frame_hash(&b->frames[b->frame_slots[i] - 1]) & (ncap - 1);
		while (ns[j])
			j = (j + 1) & (ncap - 1);
		ns[j] = b->frame_slots[i];
	}
	free(b->frame_slots);
	b->frame_slots = ns;
	b->frame_slots_cap = ncap;
	return 0;
}

/* The index of F's frame (function, file, line, module, address, inlined) in frames,
 * numbered in order of first appearance. */
static int frame_id(struct builder *b, const struct lt_frame *f)
{
	/* one statement each: the names are numbered in this order */
	struct pframe k = {.line = f->line, .inlined = f->inlined};
	k.fn = name_id(b, f->function);
	k.file = name_id(b, f->file);
	k.mod = name_id(b, f->module);
	k.addr = name_id(b, f->address);
	if (b->oom)
		return -1;
	if ((b->nframes + 1) * 2 > b->frame_slots_cap && frame_slots_grow(b) != 0) {
		b->oom = true;
		return -1;
	}
	size_t i = frame_hash(&k) & (b->frame_slots_cap - 1);
	while (b->frame_slots[i]) {
		if (frame_eq(&b->frames[b->frame_slots[i] - 1], &k))
			return (int)(b->frame_slots[i] - 1);
		i = (i + 1) & (b->frame_slots_cap - 1);
	}
	if (!reserve(b, &b->frames, &b->frames_cap, b->nframes + 1, sizeof(*b->frames)))
		return -1;
	k.snippet = snippet_id(b, f->file, f->line);
	b->frames[b->nframes] = k;
	b->frame_slots[i] = ++b->nframes;
	return (int)(b->nframes - 1);
}

static void builder_free(struct builder *b)
{
	lt_strmap_free(&b->name_ids);
	lt_ptrmap_free(&b->name_ptrs);
	lt_strmap_free(&b->file_ids);
	lt_strmap_free(&b->snippet_ids);
	for (size_t i = 0; i < b->nfiles; i++) {
		free(b->files[i].text);
		free(b->files[i].line_off);
	}
	free(b->files);
	free(b->names);
	free(b->frames);
	free(b->frame_slots);
	free(b->group_kinds);
	free(b->group_frames);
	json_decref(b->snippets);
}

/* ---------------------------------------------------------------------------------------
 * Page data
 * ------------------------------------------------------------------------------------- */

static json_t *report_header(const struct lt_report *r)
{
	json_t *h = json_object();
	const char *k;
	json_t *v;
	json_object_foreach(r->root, k, v) {
		if (strcmp(k, "leaks") != 0)
			json_object_set(h, k, v);
	}
	json_object_set_new(h, "file", jstr(r->path));
	return h;
}

/* Numbers the frames and names of the groups the page shows, in the order the old
 * jansson builder did: each group's frames innermost first, then its kind. */
static void groups_intern(struct builder *b, const struct lt_report *r, bool all)
{
	size_t gcap = 0, fcap = 0;
	for (size_t i = 0; i < r->ngroups && !b->oom; i++) {
		const struct lt_group *g = &r->groups[i];
		if (!lt_reportfile_group_shown(g, all))
			continue;
		if (!reserve(b, &b->group_frames, &fcap, b->ngroup_frames + g->nframes,
			     sizeof(*b->group_frames)) ||
		    !reserve(b, &b->group_kinds, &gcap, b->ngroups + 1, sizeof(*b->group_kinds)))
			return;
		for (size_t k = 0; k < g->nframes; k++)
			b->group_frames[b->ngroup_frames++] = frame_id(b, &g->frames[k]);
		b->group_kinds[b->ngroups++] = name_id(b, g->kind);
	}
}

static void names_write(const struct builder *b, struct lt_jsonw *w)
{
	lt_jsonw_begin_array(w);
	for (size_t i = 0; i < b->nnames; i++)
		lt_jsonw_string(w, b->names[i]);
	lt_jsonw_end_array(w);
}

static void frames_write(const struct builder *b, struct lt_jsonw *w)
{
	lt_jsonw_begin_array(w);
	for (size_t i = 0; i < b->nframes; i++) {
		const struct pframe *f = &b->frames[i];
		lt_jsonw_begin_array(w);
		lt_jsonw_int(w, f->fn);
		lt_jsonw_int(w, f->file);
		lt_jsonw_int(w, f->line);
		lt_jsonw_int(w, f->mod);
		lt_jsonw_int(w, f->addr);
		lt_jsonw_bool(w, f->inlined);
		lt_jsonw_int(w, f->snippet);
		lt_jsonw_end_array(w);
	}
	lt_jsonw_end_array(w);
}

/* The groups groups_intern numbered, with their frame and kind ids. */
static void groups_write(const struct builder *b, const struct lt_report *r, bool all,
			 struct lt_jsonw *w)
{
	size_t gi = 0, fi = 0;
	lt_jsonw_begin_array(w);
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct lt_group *g = &r->groups[i];
		if (!lt_reportfile_group_shown(g, all))
			continue;
		lt_jsonw_begin_array(w);
		lt_jsonw_int(w, g->id);
		lt_jsonw_int(w, b->group_kinds[gi++]);
		lt_jsonw_int(w, (int)g->class_);
		lt_jsonw_bool(w, g->leaked);
		lt_jsonw_bool(w, g->suppressed);
		lt_jsonw_int(w, g->bytes);
		lt_jsonw_int(w, g->count);
		lt_jsonw_int(w, g->stack_id);
		lt_jsonw_begin_array(w);
		for (size_t k = 0; k < g->nframes; k++)
			lt_jsonw_int(w, b->group_frames[fi++]);
		lt_jsonw_end_array(w);
		lt_jsonw_value(w, g->handles);
		lt_jsonw_string_or_null(w, g->origin);
		lt_jsonw_end_array(w);
	}
	lt_jsonw_end_array(w);
}

/* Reports ordered oldest first: by time (ISO 8601 UTC sorts as text), then sequence. */
static int cmp_report(const void *pa, const void *pb)
{
	const struct lt_report *a = *(const struct lt_report *const *)pa;
	const struct lt_report *b = *(const struct lt_report *const *)pb;
	int c = strcmp(a->time, b->time);
	if (!c)
		c = (a->sequence > b->sequence) - (a->sequence < b->sequence);
	return c;
}

/* Picks up to MAX entries of KIND_MEMORY from V (already in growth order) into KEYS. */
static void pick_series(const struct lt_diff_entry *v, size_t n, bool memory, size_t max,
			const struct lt_group **picked, size_t *npicked)
{
	for (size_t i = 0; i < n && *npicked < max; i++) {
		const struct lt_group *g = v[i].new_g ? v[i].new_g : v[i].old_g;
		if (g->is_memory == memory)
			picked[(*npicked)++] = g;
	}
}

static json_t *timeline_json(const struct lt_report *const *rs, size_t n,
			     const struct lt_diff *d)
{
	/* Series: the stacks that grew most between the first and the last report; when fewer
	 * grew, the largest groups of the last report fill the list. */
	const struct lt_group *picked[SERIES_MEMORY + SERIES_HANDLES];
	size_t np = 0, nmem;
	pick_series(d->grew, d->ngrew, true, SERIES_MEMORY, picked, &np);
	pick_series(d->new_groups, d->nnew, true, SERIES_MEMORY, picked, &np);
	nmem = np;
	pick_series(d->grew, d->ngrew, false, SERIES_MEMORY + SERIES_HANDLES, picked, &np);
	pick_series(d->new_groups, d->nnew, false, SERIES_MEMORY + SERIES_HANDLES, picked, &np);

	struct lt_strmap keys;
	lt_strmap_init(&keys);
	for (size_t i = 0; i < np; i++) {
		bool ins;
		size_t *slot = lt_strmap_put(&keys, lt_reportfile_group_key(picked[i]), &ins);
		if (slot && ins)
			*slot = i;
	}
	const struct lt_report *last = rs[n - 1];
	for (size_t i = 0; i < last->ngroups && np < SERIES_MEMORY + SERIES_HANDLES; i++) {
		const struct lt_group *g = &last->groups[i];
		if (g->suppressed || (g->is_memory && nmem >= SERIES_MEMORY) ||
		    (!g->is_memory && np - nmem >= SERIES_HANDLES))
			continue;
		bool ins;
		size_t *slot = lt_strmap_put(&keys, lt_reportfile_group_key(g), &ins);
		if (!slot || !ins)
			continue;
		*slot = np;
		picked[np++] = g;
		nmem += g->is_memory;
	}

	json_t *t = json_array(), *seq = json_array(), *lb = json_array(), *lh = json_array();
	json_t *series = json_array();
	json_t *sb[SERIES_MEMORY + SERIES_HANDLES], *sc[SERIES_MEMORY + SERIES_HANDLES];
	char label[512];
	for (size_t i = 0; i < np; i++) {
		const struct lt_group *g = picked[i];
		sb[i] = json_array();
		sc[i] = json_array();
		const char *l = g->nframes ? lt_reportfile_frame_label(&g->frames[0], label,
								       sizeof label)
					   : "[unknown origin]";
		json_array_append_new(series, json_pack("{s:o,s:s,s:s,s:b,s:O,s:O}", "label",
			jstr(l), "kind", g->kind, "class", lt_reportfile_class_name(g->class_),
			"memory", g->is_memory, "bytes", sb[i], "count", sc[i]));
		json_decref(sb[i]); /* the series object holds them now */
		json_decref(sc[i]);
	}
	long long *bytes = calloc(np + 1, sizeof(*bytes)), *count = calloc(np + 1, sizeof(*count));
	for (size_t ri = 0; ri < n && bytes && count; ri++) {
		const struct lt_report *r = rs[ri];
		json_array_append_new(t, json_integer(r->uptime_ms));
		json_array_append_new(seq, json_integer(r->sequence));
		json_array_append_new(lb, json_integer(r->live_bytes));
		json_array_append_new(lh, json_integer(r->live_handles));
		memset(bytes, 0, (np + 1) * sizeof(*bytes));
		memset(count, 0, (np + 1) * sizeof(*count));
		for (size_t gi = 0; gi < r->ngroups && np; gi++) {
			const struct lt_group *g = &r->groups[gi];
			if (g->suppressed)
				continue;
			char *key = lt_reportfile_group_key(g);
			size_t *slot = key ? lt_strmap_get(&keys, key) : NULL;
			free(key);
			if (slot) {
				bytes[*slot] += g->bytes;
				count[*slot] += g->count;
			}
		}
		for (size_t i = 0; i < np; i++) {
			json_array_append_new(sb[i], json_integer(bytes[i]));
			json_array_append_new(sc[i], json_integer(count[i]));
		}
	}
	free(bytes);
	free(count);
	lt_strmap_free(&keys);
	return json_pack("{s:o,s:o,s:o,s:o,s:o}", "t", t, "seq", seq, "live_bytes", lb,
			 "live_handles", lh, "series", series);
}

static json_t *diff_json(const struct lt_report *old, const struct lt_report *new_,
			 const struct lt_diff *d)
{
	struct lt_diff cut = *d;
	cut.ngrew = cut.ngrew > DIFF_ROWS ? DIFF_ROWS : cut.ngrew;
	cut.nnew = cut.nnew > DIFF_ROWS ? DIFF_ROWS : cut.nnew;
	cut.nvanished = cut.nvanished > DIFF_ROWS ? DIFF_ROWS : cut.nvanished;
	cut.nshrunk = cut.nshrunk > DIFF_ROWS ? DIFF_ROWS : cut.nshrunk;
	json_t *j = lt_diff_to_json(old, new_, &cut);
	if (j)
		json_object_set_new(j, "n", json_pack("{s:I,s:I,s:I,s:I}",
			"grew", (json_int_t)d->ngrew, "new_groups", (json_int_t)d->nnew,
			"vanished", (json_int_t)d->nvanished, "shrunk", (json_int_t)d->nshrunk));
	return j;
}

/* The trend ranking of several reports, as `leaktrace trend --format json` prints it. */
static json_t *trend_json(const struct lt_report *reports, size_t n)
{
	struct lt_trend t;
	char err[1024];
	int rc = lt_trend_compute(reports, n, false, &t, err, sizeof err);
	if (rc == -1)
		return json_pack("{s:s}", "error", err);
	if (rc)
		return NULL;
	json_t *j = lt_trend_to_json(&t, TREND_ROWS);
	lt_trend_free(&t);
	return j;
}

/* The page's data before it is written: the small parts as jansson values, the big ones
 * (names, frames, groups, flame graphs) as C arrays that page_write streams out. */
struct page {
	bool all;
	const struct lt_report *cur; /* the detailed report */
	struct builder b;
	json_t *hdrs, *classes, *timeline, *diff, *trend;
	struct lt_flame *flame;
};

static void page_free(struct page *pg)
{
	builder_free(&pg->b);
	json_decref(pg->hdrs);
	json_decref(pg->classes);
	json_decref(pg->timeline);
	json_decref(pg->diff);
	json_decref(pg->trend);
	lt_flame_free(pg->flame);
}

/* 0, or -1 when out of memory (PG is to be freed either way). */
static int page_build(struct page *pg, const struct lt_report *reports, size_t n, bool all)
{
	memset(pg, 0, sizeof(*pg));
	pg->all = all;
	struct builder *b = &pg->b;
	lt_strmap_init(&b->name_ids);
	lt_ptrmap_init(&b->name_ptrs);
	lt_strmap_init(&b->file_ids);
	lt_strmap_init(&b->snippet_ids);
	b->snippets = json_array();
	if (!n || !b->snippets)
		return -1;
	const struct lt_report **rs = malloc(n * sizeof(*rs));
	if (!rs)
		return -1;
	for (size_t i = 0; i < n; i++)
		rs[i] = &reports[i];
	qsort(rs, n, sizeof(*rs), cmp_report);
	const struct lt_report *cur = rs[n - 1];
	pg->cur = cur;

	pg->hdrs = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(pg->hdrs, report_header(rs[i]));
	groups_intern(b, cur, all);
	pg->classes = json_array();
	for (int c = 0; c < LT_CLASS_COUNT; c++)
		json_array_append_new(pg->classes,
				      json_string(lt_reportfile_class_name((enum lt_class)c)));
	pg->flame = lt_flame_new(cur, all);
	pg->timeline = json_null();
	pg->diff = json_null();
	/* Growth compares the last two snapshots of the latest report's process,
	 * one after the other; an exit report (a server that shut down freed
	 * its sessions) is shown apart, never compared as "vanished" rows.
	 * Without two such snapshots, the oldest and latest reports. */
	const struct lt_report *older = n > 1 ? rs[0] : NULL, *newer = cur;
	const struct lt_report *snaps[2] = {NULL, NULL};
	for (size_t i = n; i-- > 0 && !snaps[0];) {
		if (rs[i]->pid != cur->pid || !rs[i]->reason || strcmp(rs[i]->reason, "snapshot"))
			continue;
		if (!snaps[1])
			snaps[1] = rs[i];
		else
			snaps[0] = rs[i];
	}
	if (snaps[0]) {
		older = snaps[0];
		newer = snaps[1];
	}
	if (older) {
		struct lt_diff d;
		if (lt_diff_compute(older, newer, &d) == 0) {
			json_decref(pg->timeline);
			json_decref(pg->diff);
			pg->timeline = timeline_json(rs, n, &d);
			pg->diff = diff_json(older, newer, &d);
			if (pg->diff && newer != cur)
				json_object_set_new(pg->diff, "apart", report_header(cur));
			lt_diff_free(&d);
		} else {
			b->oom = true;
		}
	}
	pg->trend = n > 1 ? trend_json(reports, n) : json_null();
	free(rs);
	return b->oom || !pg->hdrs || !pg->classes || !pg->flame || !pg->timeline || !pg->diff ||
			       !pg->trend
		       ? -1
		       : 0;
}

/* The page's data object (its layout at the top of this file) as the next value of W. */
static int page_write(struct page *pg, struct lt_jsonw *w)
{
	lt_jsonw_begin_object(w);
	lt_jsonw_key(w, "generator");
	lt_jsonw_string(w, "leaktrace report");
	lt_jsonw_key(w, "all");
	lt_jsonw_bool(w, pg->all);
	lt_jsonw_key(w, "reports");
	lt_jsonw_value(w, pg->hdrs);
	lt_jsonw_key(w, "names");
	names_write(&pg->b, w);
	lt_jsonw_key(w, "frames");
	frames_write(&pg->b, w);
	lt_jsonw_key(w, "groups");
	groups_write(&pg->b, pg->cur, pg->all, w);
	lt_jsonw_key(w, "classes");
	lt_jsonw_value(w, pg->classes);
	lt_jsonw_key(w, "snippets");
	lt_jsonw_value(w, pg->b.snippets);
	lt_jsonw_key(w, "flame");
	int rc = lt_flame_write(pg->flame, w);
	lt_jsonw_key(w, "timeline");
	lt_jsonw_value(w, pg->timeline);
	lt_jsonw_key(w, "diff");
	lt_jsonw_value(w, pg->diff);
	lt_jsonw_key(w, "trend");
	lt_jsonw_value(w, pg->trend);
	lt_jsonw_end_object(w);
	return rc;
}

json_t *lt_html_page_data(const struct lt_report *reports, size_t n, bool all)
{
	struct page pg;
	json_t *data = NULL;
	struct lt_jsonw *w = malloc(sizeof(*w));
	struct lt_jsonw_mem mem = {0};
	if (w && page_build(&pg, reports, n, all) == 0) {
		lt_jsonw_init(w, lt_jsonw_mem_sink, &mem);
		if (page_write(&pg, w) == 0 && lt_jsonw_finish(w) == 0)
			data = json_loads(mem.p, 0, NULL);
	}
	if (w)
		page_free(&pg);
	free(w);
	free(mem.p);
	return data;
}

/* ---------------------------------------------------------------------------------------
 * Output: the template from tools/html/page.html with its @LT_...@ markers filled in
 * ------------------------------------------------------------------------------------- */

/* Generated at build time from tools/html/ by tools/html/embed.py. */
extern const char lt_html_asset_page[];
extern const char lt_html_asset_css[];
extern const char lt_html_asset_js[];

static int write_page(FILE *out, struct page *pg, const char *title)
{
	const char *p = lt_html_asset_page;
	while (*p) {
		const char *m = strstr(p, "@LT_");
		if (!m) {
			fputs(p, out);
			break;
		}
		fwrite(p, 1, (size_t)(m - p), out);
		const char *end = strchr(m + 4, '@');
		if (!end) {
			fputs(m, out);
			break;
		}
		size_t len = (size_t)(end + 1 - m);
		if (len == 10 && strncmp(m, "@LT_TITLE@", len) == 0) {
			lt_html_escape_text(out, title);
		} else if (len == 10 && strncmp(m, "@LT_STYLE@", len) == 0) {
			fputs(lt_html_asset_css, out);
		} else if (len == 11 && strncmp(m, "@LT_SCRIPT@", len) == 0) {
			fputs(lt_html_asset_js, out);
		} else if (len == 9 && strncmp(m, "@LT_DATA@", len) == 0) {
			/* streamed through the same < > & escaping as lt_html_dump_script_json */
			struct lt_jsonw *w = malloc(sizeof(*w));
			if (!w) {
				errno = ENOMEM;
				return -1;
			}
			lt_jsonw_init(w, script_chunk, out);
			int rc = page_write(pg, w);
			if (lt_jsonw_finish(w) != 0 || rc != 0) {
				free(w);
				if (!ferror(out))
					errno = ENOMEM;
				return -1;
			}
			free(w);
		} else {
			fwrite(m, 1, len, out); /* not ours: copy through */
		}
		p = end + 1;
	}
	return ferror(out) ? -1 : 0;
}

int lt_html_write(const char *out_path, const struct lt_report *reports, size_t n, bool all)
{
	struct page pg;
	if (page_build(&pg, reports, n, all) != 0) {
		page_free(&pg);
		fprintf(stderr, "leaktrace: error: %s: out of memory building the page\n", out_path);
		return -1;
	}
	/* Write beside the target and rename, so a reader never sees half a page. */
	size_t tlen = strlen(out_path) + 32;
	char *tmp = malloc(tlen);
	if (!tmp) {
		page_free(&pg);
		fprintf(stderr, "leaktrace: error: %s: out of memory\n", out_path);
		return -1;
	}
	snprintf(tmp, tlen, "%s.tmp.%ld", out_path, (long)getpid());
	int rc = -1;
	FILE *out = fopen(tmp, "w");
	if (!out) {
		fprintf(stderr, "leaktrace: error: %s: cannot create: %s\n", out_path, strerror(errno));
		goto done;
	}
	/* The title names the program of the detailed (latest) report. */
	int werr = write_page(out, &pg, pg.cur->exe ? pg.cur->exe : "");
	int saved = errno;
	if (fclose(out) != 0 && !werr) {
		werr = -1;
		saved = errno;
	}
	if (werr) {
		fprintf(stderr, "leaktrace: error: %s: cannot write: %s\n", out_path, strerror(saved));
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, out_path) != 0) {
		fprintf(stderr, "leaktrace: error: %s: cannot rename into place: %s\n", out_path,
			strerror(errno));
		unlink(tmp);
		goto done;
	}
	rc = 0;
done:
	free(tmp);
	page_free(&pg);
	return rc;
}
