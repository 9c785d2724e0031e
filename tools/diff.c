/* `leaktrace diff`: compares two reports stack by stack and gates on total growth. */
#include "diff.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "options.h"
#include "strmap.h"

/* Frames printed per stack in text output: enough to recognise the call site. */
#define DIFF_TEXT_FRAMES 5

/* ---------------------------------------------------------------------------------------
 * Matching
 * ------------------------------------------------------------------------------------- */

struct entry_vec {
	struct lt_diff_entry *v;
	size_t len, cap;
};

static struct lt_diff_entry *vec_push(struct entry_vec *e)
{
	if (e->len == e->cap) {
		size_t ncap = e->cap ? e->cap * 2 : 64;
		struct lt_diff_entry *nv = realloc(e->v, ncap * sizeof(*nv));
		if (!nv)
			return NULL;
		e->v = nv;
		e->cap = ncap;
	}
	struct lt_diff_entry *x = &e->v[e->len++];
	memset(x, 0, sizeof(*x));
	return x;
}

/* Adds every unsuppressed group of R into ALL, keyed by match key; NEW_SIDE picks which
 * half of the entry the sums go to. */
static int add_side(const struct lt_report *r, bool new_side, struct lt_strmap *map,
		    struct entry_vec *all)
{
	for (size_t i = 0; i < r->ngroups; i++) {
		const struct lt_group *g = &r->groups[i];
		if (g->suppressed)
			continue;
		char *key = lt_reportfile_group_key(g);
		if (!key)
			return -1;
		bool inserted;
		size_t *slot = lt_strmap_put(map, key, &inserted);
		if (!slot)
			return -1;
		if (inserted) {
			if (!vec_push(all))
				return -1;
			*slot = all->len - 1;
		}
		struct lt_diff_entry *e = &all->v[*slot];
		if (new_side) {
			if (!e->new_g)
				e->new_g = g;
			e->new_bytes += g->bytes;
			e->new_count += g->count;
		} else {
			if (!e->old_g)
				e->old_g = g;
			e->old_bytes += g->bytes;
			e->old_count += g->count;
		}
	}
	return 0;
}

static long long id_of(const struct lt_diff_entry *e)
{
	return e->new_g ? e->new_g->id : e->old_g->id;
}

static int cmp3(long long a, long long b)
{
	return (a > b) - (a < b);
}

/* By change (bytes, then count): sign 1 puts the largest increase first,
 * -1 the largest decrease; then report order for a stable result. */
static int cmp_change(const struct lt_diff_entry *a, const struct lt_diff_entry *b, int sign)
{
	int c = sign * cmp3(b->new_bytes - b->old_bytes, a->new_bytes - a->old_bytes);
	if (!c)
		c = sign * cmp3(b->new_count - b->old_count, a->new_count - a->old_count);
	return c ? c : cmp3(id_of(a), id_of(b));
}

static int cmp_growth(const void *pa, const void *pb)
{
	return cmp_change(pa, pb, 1);
}

static int cmp_decline(const void *pa, const void *pb)
{
	return cmp_change(pa, pb, -1);
}

int lt_diff_compute(const struct lt_report *old, const struct lt_report *new_,
		    struct lt_diff *d)
{
	memset(d, 0, sizeof(*d));
	struct lt_strmap map;
	struct entry_vec all = {0};
	lt_strmap_init(&map);
	int rc = -1;
	if (add_side(old, false, &map, &all) != 0 || add_side(new_, true, &map, &all) != 0)
		goto out;

	struct entry_vec grew = {0}, fresh = {0}, gone = {0}, shrunk = {0};
	for (size_t i = 0; i < all.len; i++) {
		struct lt_diff_entry *e = &all.v[i];
		long long db = e->new_bytes - e->old_bytes, dc = e->new_count - e->old_count;
		struct entry_vec *dst;
		if (!e->old_g)
			dst = &fresh;
		else if (!e->new_g)
			dst = &gone;
		else if (db > 0 || (db == 0 && dc > 0))
			dst = &grew;
		else if (db < 0 || dc < 0)
			dst = &shrunk;
		else
			continue; /* unchanged */
		struct lt_diff_entry *x = vec_push(dst);
		if (!x) {
			free(grew.v), free(fresh.v), free(gone.v), free(shrunk.v);
			goto out;
		}
		*x = *e;
		if (dst == &grew || dst == &fresh) {
			bool mem = (e->new_g ? e->new_g : e->old_g)->is_memory;
			/* Only increases count: a grown byte total with fewer blocks (larger
			 * allocations) still adds bytes, not blocks. */
			if (mem) {
				d->growth_bytes += db > 0 ? db : 0;
				d->growth_blocks += dc > 0 ? dc : 0;
			} else {
				d->growth_handles += dc > 0 ? dc : 0;
			}
		}
	}
	qsort(grew.v, grew.len, sizeof(*grew.v), cmp_growth);
	qsort(fresh.v, fresh.len, sizeof(*fresh.v), cmp_growth);
	qsort(gone.v, gone.len, sizeof(*gone.v), cmp_decline);
	qsort(shrunk.v, shrunk.len, sizeof(*shrunk.v), cmp_decline);
	d->grew = grew.v, d->ngrew = grew.len;
	d->new_groups = fresh.v, d->nnew = fresh.len;
	d->vanished = gone.v, d->nvanished = gone.len;
	d->shrunk = shrunk.v, d->nshrunk = shrunk.len;
	rc = 0;
out:
	free(all.v);
	lt_strmap_free(&map);
	return rc;
}

void lt_diff_free(struct lt_diff *d)
{
	free(d->grew);
	free(d->new_groups);
	free(d->vanished);
	free(d->shrunk);
	memset(d, 0, sizeof(*d));
}

/* ---------------------------------------------------------------------------------------
 * JSON output
 * ------------------------------------------------------------------------------------- */

static json_t *report_ident(const struct lt_report *r)
{
	return json_pack("{s:s,s:I,s:I,s:s}", "file", r->path, "pid", (json_int_t)r->pid,
			 "sequence", (json_int_t)r->sequence, "time", r->time);
}

static json_t *entry_json(const struct lt_diff_entry *e)
{
	const struct lt_group *g = e->new_g ? e->new_g : e->old_g;
	json_t *o = json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "kind", g->kind,
		"class", lt_reportfile_class_name(g->class_), "stack_id", (json_int_t)g->stack_id,
		"old_bytes", (json_int_t)e->old_bytes, "old_count", (json_int_t)e->old_count,
		"new_bytes", (json_int_t)e->new_bytes, "new_count", (json_int_t)e->new_count,
		"delta_bytes", (json_int_t)(e->new_bytes - e->old_bytes),
		"delta_count", (json_int_t)(e->new_count - e->old_count));
	if (o)
		json_object_set_new(o, "stack", lt_reportfile_stack_json(g));
	return o;
}

static json_t *entries_json(const struct lt_diff_entry *v, size_t n)
{
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, entry_json(&v[i]));
	return arr;
}

json_t *lt_diff_to_json(const struct lt_report *old, const struct lt_report *new_,
			const struct lt_diff *d)
{
	return json_pack("{s:o,s:o,s:I,s:I,s:I,s:o,s:o,s:o,s:o}",
		"old", report_ident(old), "new", report_ident(new_),
		"growth_bytes", (json_int_t)d->growth_bytes,
		"growth_blocks", (json_int_t)d->growth_blocks,
		"growth_handles", (json_int_t)d->growth_handles,
		"grew", entries_json(d->grew, d->ngrew),
		"new_groups", entries_json(d->new_groups, d->nnew),
		"vanished", entries_json(d->vanished, d->nvanished),
		"shrunk", entries_json(d->shrunk, d->nshrunk));
}

/* ---------------------------------------------------------------------------------------
 * Text output
 * ------------------------------------------------------------------------------------- */

static void print_frames(FILE *out, const struct lt_group *g)
{
	char label[512];
	size_t n = g->nframes < DIFF_TEXT_FRAMES ? g->nframes : DIFF_TEXT_FRAMES;
	if (!g->nframes)
		fprintf(out, "      (no stack: origin unknown)\n");
	for (size_t i = 0; i < n; i++) {
		const struct lt_frame *f = &g->frames[i];
		fprintf(out, "      %s", lt_reportfile_frame_label(f, label, sizeof label));
		if (f->file)
			fprintf(out, " %s:%lld", f->file, f->line);
		fputc('\n', out);
	}
	if (g->nframes > n)
		fprintf(out, "      ... %zu more frame(s)\n", g->nframes - n);
}

static void print_entry(FILE *out, const struct lt_diff_entry *e)
{
	const struct lt_group *g = e->new_g ? e->new_g : e->old_g;
	long long db = e->new_bytes - e->old_bytes, dc = e->new_count - e->old_count;
	if (g->is_memory)
		fprintf(out, "  %+lld byte(s) in %+lld block(s) (%lld -> %lld bytes, %lld -> %lld blocks) %s %s\n",
			db, dc, e->old_bytes, e->new_bytes, e->old_count, e->new_count, g->kind,
			lt_reportfile_class_name(g->class_));
	else
		fprintf(out, "  %+lld handle(s) (%lld -> %lld) %s\n", dc, e->old_count, e->new_count,
			g->kind);
	print_frames(out, g);
}

static void print_section(FILE *out, const char *title, const struct lt_diff_entry *v,
			  size_t n)
{
	fprintf(out, "\n%s (%zu):\n", title, n);
	for (size_t i = 0; i < n; i++)
		print_entry(out, &v[i]);
}

static void print_text(FILE *out, const struct lt_report *old, const struct lt_report *new_,
		       const struct lt_diff *d)
{
	fprintf(out, "leaktrace diff: %s (pid %lld, sequence %lld, %s) -> %s (pid %lld, sequence %lld, %s)\n",
		old->path, old->pid, old->sequence, old->time, new_->path, new_->pid,
		new_->sequence, new_->time);
	fprintf(out, "growth: %lld byte(s) in %lld block(s); %lld handle(s)\n", d->growth_bytes,
		d->growth_blocks, d->growth_handles);
	print_section(out, "grew", d->grew, d->ngrew);
	print_section(out, "new", d->new_groups, d->nnew);
	print_section(out, "vanished", d->vanished, d->nvanished);
	print_section(out, "shrunk", d->shrunk, d->nshrunk);
}

/* ---------------------------------------------------------------------------------------
 * Command
 * ------------------------------------------------------------------------------------- */

static const char diff_usage[] =
	"usage: leaktrace diff [--json] [--fail-bytes N] [--fail-blocks N] [--fail-handles N] OLD.json NEW.json\n";

static const char diff_help[] =
	"\n"
	"Compare two JSON reports (format=json) stack by stack: groups that grew, are new,\n"
	"shrank or vanished between OLD and NEW (two snapshots of one process, say).\n"
	"\n"
	"  --json             write the comparison as JSON instead of text\n"
	"  --fail-bytes N     exit 1 when the bytes of the groups that grew or are new\n"
	"                     add up to more than N; K, M and G suffixes (1K = 1024)\n"
	"  --fail-blocks N    the same for blocks\n"
	"  --fail-handles N   the same for open handles\n"
	"  --help             this help\n"
	"\n"
	"A warning says when the reports come from different programs or processes.\n"
	"Exit status: 0; 1 when a --fail-* threshold is exceeded; 2 on bad input.\n";

static int parse_threshold(const char *opt, const char *s, long long *out)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || x > (unsigned long long)INT64_MAX) {
		fprintf(stderr, "leaktrace: error: diff: %s expects a non-negative integer, got \"%s\"\n",
			opt, s);
		return -1;
	}
	*out = (long long)x;
	return 0;
}

/* Bytes as LEAKTRACE_OPTIONS takes them: 4096, 64K, 1M, 2G (K = 1024). */
static int parse_bytes(const char *opt, const char *s, long long *out)
{
	uint64_t x;
	if (*s == '-' || lt_opt_parse_size(s, &x) || x > (uint64_t)INT64_MAX) {
		fprintf(stderr, "leaktrace: error: diff: %s expects a byte count (e.g. 4096, 64K, 1M), got \"%s\"\n",
			opt, s);
		return -1;
	}
	*out = (long long)x;
	return 0;
}

/* Comparing reports of two programs is rarely meant; of two processes of
 * one program, sometimes (a run before and after a change): say which. */
static void warn_origin(const struct lt_report *old, const struct lt_report *new_)
{
	const char *a = old->exe ? old->exe : "?", *b = new_->exe ? new_->exe : "?";
	if (strcmp(a, b))
		fprintf(stderr, "leaktrace: warning: diff: the reports come from different programs: "
				"%s (pid %lld) and %s (pid %lld)\n", a, old->pid, b, new_->pid);
	else if (old->pid != new_->pid)
		fprintf(stderr, "leaktrace: warning: diff: the reports come from different processes "
				"of %s: pid %lld and pid %lld\n", a, old->pid, new_->pid);
}

/* Prints one stderr line per exceeded threshold; returns whether any was exceeded. */
static bool gate_check(const char *what, long long growth, long long limit)
{
	if (limit < 0 || growth <= limit)
		return false;
	fprintf(stderr, "leaktrace: diff: growth of %lld %s exceeds --fail-%s %lld\n", growth, what,
		what, limit);
	return true;
}

int lt_cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"fail-bytes", required_argument, NULL, 'b'},
		{"fail-blocks", required_argument, NULL, 'k'},
		{"fail-handles", required_argument, NULL, 'h'},
		{"help", no_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
	};
	bool json = false;
	long long fail_bytes = -1, fail_blocks = -1, fail_handles = -1;
	int c;
	optind = 0; /* full getopt reset: the dispatcher may have parsed its own options */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'b': if (parse_bytes("--fail-bytes", optarg, &fail_bytes)) return 2; break;
		case 'k': if (parse_threshold("--fail-blocks", optarg, &fail_blocks)) return 2; break;
		case 'h': if (parse_threshold("--fail-handles", optarg, &fail_handles)) return 2; break;
		case 'H': fputs(diff_usage, stdout); fputs(diff_help, stdout); return 0;
		default:
			fprintf(stderr, "leaktrace: error: diff: unknown or incomplete option \"%s\"\n",
				argv[optind - 1]);
			fputs(diff_usage, stderr);
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "leaktrace: error: diff: expected 2 report files, got %d\n",
			argc - optind);
		fputs(diff_usage, stderr);
		return 2;
	}

	struct lt_report old, new_;
	if (lt_reportfile_load_or_complain(argv[optind], &old) != 0)
		return 2;
	if (lt_reportfile_load_or_complain(argv[optind + 1], &new_) != 0) {
		lt_reportfile_free(&old);
		return 2;
	}
	warn_origin(&old, &new_);
	int status = 2;
	struct lt_diff d;
	if (lt_diff_compute(&old, &new_, &d) != 0) {
		fprintf(stderr, "leaktrace: error: diff: out of memory\n");
		goto out;
	}
	if (json) {
		json_t *j = lt_diff_to_json(&old, &new_, &d);
		if (!j || json_dumpf(j, stdout, JSON_INDENT(2)) != 0) {
			fprintf(stderr, "leaktrace: error: diff: cannot write JSON output\n");
			json_decref(j);
			lt_diff_free(&d);
			goto out;
		}
		fputc('\n', stdout);
		json_decref(j);
	} else {
		print_text(stdout, &old, &new_, &d);
	}
	/* Evaluate all three so every exceeded threshold gets its line. */
	bool failed = gate_check("bytes", d.growth_bytes, fail_bytes);
	failed |= gate_check("blocks", d.growth_blocks, fail_blocks);
	failed |= gate_check("handles", d.growth_handles, fail_handles);
	status = failed ? 1 : 0;
	lt_diff_free(&d);
out:
	if (fflush(stdout) != 0) {
		fprintf(stderr, "leaktrace: error: diff: cannot write output: %s\n", strerror(errno));
		status = 2;
	}
	lt_reportfile_free(&old);
	lt_reportfile_free(&new_);
	return status;
}
