/* `leaktrace trend`: over a series of snapshots of one process, ranks the stacks whose live
 * bytes (memory) or handles grow steadily, and gates on the rate.
 *
 * A stack is a suspect when three things hold:
 *   - its least-squares slope over uptime is positive (the rate printed, per minute);
 *   - Mann-Kendall's tau over all pairs of snapshots is at least LT_TREND_MIN_TAU: a
 *     rank statistic, so one outlier moves it by at most (n-1) of n(n-1)/2 pairs, noise
 *     around a level averages to about 0, and a pool that fills and drains (sawtooth)
 *     has as many decreasing pairs across cycles as increasing ones;
 *   - the later half of the series still rises (its own Mann-Kendall tau > 0): a
 *     one-time step (a cache filled once) has a positive overall slope and a tau near
 *     0.57 when it sits in the middle, but nothing grows after it. A rank statistic
 *     here too, so one spike in the later half does not hide a leak.
 * Last-minus-first alone would rank a step, a sawtooth caught at its top, or one noisy
 * sample as growth. */
#include "trend.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "options.h"
#include "strmap.h"

/* Frames printed per suspect in text output. */
#define TREND_TEXT_FRAMES 5

/* ---------------------------------------------------------------------------------------
 * Statistics
 * ------------------------------------------------------------------------------------- */

/* Least-squares slope of V over T (per unit of T); 0 when T does not vary. */
static double ols_slope(const double *t, const double *v, size_t n)
{
	if (n < 2)
		return 0;
	double mt = 0, mv = 0;
	for (size_t i = 0; i < n; i++) {
		mt += t[i];
		mv += v[i];
	}
	mt /= (double)n;
	mv /= (double)n;
	double sxy = 0, sxx = 0;
	for (size_t i = 0; i < n; i++) {
		sxy += (t[i] - mt) * (v[i] - mv);
		sxx += (t[i] - mt) * (t[i] - mt);
	}
	return sxx > 0 ? sxy / sxx : 0;
}

/* Mann-Kendall's S over all pairs, divided by the number of pairs (tau-a; ties count 0). */
static double kendall_tau(const double *v, size_t n)
{
	if (n < 2)
		return 0;
	long long s = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			s += (v[j] > v[i]) - (v[j] < v[i]);
	return (double)s / ((double)n * (double)(n - 1) / 2.0);
}

void lt_trend_fit(const double *t_ms, const double *v, size_t n, struct lt_trend_fit *f)
{
	memset(f, 0, sizeof(*f));
	if (n < LT_TREND_MIN_SNAPSHOTS)
		return;
	f->slope_per_min = ols_slope(t_ms, v, n) * 60000.0;
	f->tau = kendall_tau(v, n);
	f->late_tau = kendall_tau(v + n / 2, n - n / 2);
	size_t up = 0;
	for (size_t i = 1; i < n; i++)
		up += v[i] > v[i - 1];
	f->rising_steps = (double)up / (double)(n - 1);
	f->suspect = f->slope_per_min > 0 && f->tau >= LT_TREND_MIN_TAU && f->late_tau > 0;
}

/* ---------------------------------------------------------------------------------------
 * Ranking
 * ------------------------------------------------------------------------------------- */

/* Oldest first: by uptime, then sequence (snapshots of one process). */
static int cmp_report(const void *pa, const void *pb)
{
	const struct lt_report *a = *(const struct lt_report *const *)pa;
	const struct lt_report *b = *(const struct lt_report *const *)pb;
	if (a->uptime_ms != b->uptime_ms)
		return (a->uptime_ms > b->uptime_ms) - (a->uptime_ms < b->uptime_ms);
	return (a->sequence > b->sequence) - (a->sequence < b->sequence);
}

static int cmp_double_desc(double a, double b)
{
	return (a < b) - (a > b);
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct lt_trend_entry *a = pa, *b = pb;
	if (a->fit.suspect != b->fit.suspect)
		return a->fit.suspect ? -1 : 1;
	if (a->fit.suspect && a->memory != b->memory)
		return a->memory ? -1 : 1;
	int c = cmp_double_desc(a->fit.slope_per_min, b->fit.slope_per_min);
	if (!c)
		c = cmp_double_desc(a->fit.tau, b->fit.tau);
	return c ? c : (a->g->id > b->g->id) - (a->g->id < b->g->id);
}

/* The group's stack key without its class: the classes of one stack are summed. */
static char *stack_key(const struct lt_group *g)
{
	struct lt_group k = *g;
	k.class_ = g->is_memory ? LT_CLASS_UNCLASSIFIED : LT_CLASS_OPEN;
	return lt_reportfile_group_key(&k);
}

void lt_trend_free(struct lt_trend *t)
{
	for (size_t i = 0; i < t->ne; i++) {
		free(t->e[i].bytes);
		free(t->e[i].count);
	}
	free(t->e);
	free(t->rs);
	memset(t, 0, sizeof(*t));
}

static int collect(struct lt_trend *t, struct lt_strmap *map, size_t *cap)
{
	for (size_t ri = 0; ri < t->n; ri++) {
		const struct lt_report *r = t->rs[ri];
		for (size_t gi = 0; gi < r->ngroups; gi++) {
			const struct lt_group *g = &r->groups[gi];
			if (g->suppressed)
				continue;
			char *key = stack_key(g);
			if (!key)
				return -2;
			bool ins;
			size_t *slot = lt_strmap_put(map, key, &ins);
			if (!slot)
				return -2;
			if (ins) {
				if (t->ne == *cap) {
					size_t nc = *cap ? *cap * 2 : 64;
					struct lt_trend_entry *ne = realloc(t->e, nc * sizeof(*ne));
					if (!ne)
						return -2;
					t->e = ne;
					*cap = nc;
				}
				struct lt_trend_entry *e = &t->e[t->ne];
				memset(e, 0, sizeof(*e));
				e->memory = g->is_memory;
				e->bytes = calloc(t->n, sizeof(*e->bytes));
				e->count = calloc(t->n, sizeof(*e->count));
				t->ne++;
				if (!e->bytes || !e->count)
					return -2;
				*slot = t->ne - 1;
			}
			struct lt_trend_entry *e = &t->e[*slot];
			e->g = g; /* reports go oldest first: the latest holder wins */
			e->bytes[ri] += g->bytes;
			e->count[ri] += g->count;
		}
	}
	return 0;
}

int lt_trend_compute(const struct lt_report *reports, size_t n, bool allow_mixed,
		     struct lt_trend *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	if (n < LT_TREND_MIN_SNAPSHOTS) {
		snprintf(err, errlen, "a trend needs at least %d snapshots, got %zu",
			 LT_TREND_MIN_SNAPSHOTS, n);
		return -1;
	}
	for (size_t i = 1; i < n && !allow_mixed; i++) {
		if (reports[i].pid != reports[0].pid || strcmp(reports[i].exe, reports[0].exe)) {
			snprintf(err, errlen,
				 "%s (pid %lld, %s) and %s (pid %lld, %s) are not snapshots of one process",
				 reports[0].path, reports[0].pid, reports[0].exe, reports[i].path,
				 reports[i].pid, reports[i].exe);
			return -1;
		}
	}
	t->rs = malloc(n * sizeof(*t->rs));
	double *tm = malloc(n * sizeof(*tm)), *v = malloc(n * sizeof(*v));
	struct lt_strmap map;
	lt_strmap_init(&map);
	size_t cap = 0;
	int rc = -2;
	if (!t->rs || !tm || !v)
		goto out;
	t->n = n;
	for (size_t i = 0; i < n; i++)
		t->rs[i] = &reports[i];
	qsort(t->rs, n, sizeof(*t->rs), cmp_report);
	t->span_ms = (double)(t->rs[n - 1]->uptime_ms - t->rs[0]->uptime_ms);
	for (size_t i = 0; i < n; i++)
		tm[i] = (double)t->rs[i]->uptime_ms;
	if ((rc = collect(t, &map, &cap)) != 0)
		goto out;
	for (size_t i = 0; i < t->ne; i++) {
		struct lt_trend_entry *e = &t->e[i];
		for (size_t k = 0; k < n; k++)
			v[k] = (double)(e->memory ? e->bytes[k] : e->count[k]);
		lt_trend_fit(tm, v, n, &e->fit);
		t->nsuspects += e->fit.suspect;
	}
	qsort(t->e, t->ne, sizeof(*t->e), cmp_entry);
	rc = 0;
out:
	lt_strmap_free(&map);
	free(tm);
	free(v);
	if (rc)
		lt_trend_free(t);
	if (rc == -2)
		snprintf(err, errlen, "out of memory");
	return rc;
}

/* ---------------------------------------------------------------------------------------
 * Output
 * ------------------------------------------------------------------------------------- */

static json_t *series_json(const long long *x, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_integer(x[i]));
	return a;
}

static json_t *entry_json(const struct lt_trend *t, const struct lt_trend_entry *e)
{
	const struct lt_group *g = e->g;
	json_t *o = json_pack("{s:s,s:b,s:s,s:f,s:f,s:f,s:f,s:I,s:o,s:o}", "kind", g->kind,
		"memory", e->memory, "unit", e->memory ? "bytes" : "handles",
		"slope_per_min", e->fit.slope_per_min,
		"tau", e->fit.tau, "late_tau", e->fit.late_tau,
		"rising_steps", e->fit.rising_steps, "stack_id", (json_int_t)g->stack_id,
		"bytes", series_json(e->bytes, t->n), "count", series_json(e->count, t->n));
	if (o)
		json_object_set_new(o, "stack", lt_reportfile_stack_json(g));
	return o;
}

json_t *lt_trend_to_json(const struct lt_trend *t, size_t max)
{
	json_t *sus = json_array(), *files = json_array(), *up = json_array();
	size_t k = max && max < t->nsuspects ? max : t->nsuspects;
	for (size_t i = 0; sus && i < k; i++)
		json_array_append_new(sus, entry_json(t, &t->e[i]));
	for (size_t i = 0; files && up && i < t->n; i++) {
		json_array_append_new(files, json_string(t->rs[i]->path));
		json_array_append_new(up, json_integer(t->rs[i]->uptime_ms));
	}
	return json_pack("{s:I,s:I,s:s,s:o,s:o,s:f,s:f,s:I,s:I,s:o}",
		"snapshots", (json_int_t)t->n, "pid", (json_int_t)t->rs[t->n - 1]->pid,
		"exe", t->rs[t->n - 1]->exe, "files", files, "uptime_ms", up,
		"span_ms", t->span_ms, "min_tau", LT_TREND_MIN_TAU,
		"stacks", (json_int_t)t->ne, "n_suspects", (json_int_t)t->nsuspects,
		"suspects", sus);
}

/* "+1234 B/min", "+0.25 handles/min": whole units from 10 up, two decimals below. */
static void print_rate(FILE *out, double x, const char *unit)
{
	fprintf(out, (x >= 10 || x <= -10) ? "%+.0f %s/min" : "%+.2f %s/min", x, unit);
}

static void print_text(FILE *out, const struct lt_trend *t)
{
	const struct lt_report *a = t->rs[0], *b = t->rs[t->n - 1];
	fprintf(out, "leaktrace trend: %zu snapshots of pid %lld (%s), sequence %lld to %lld, %.1f s apart first to last\n",
		t->n, b->pid, b->exe, a->sequence, b->sequence, t->span_ms / 1000.0);
	fprintf(out, "%zu suspect(s) of %zu stack(s): growing steadily (least-squares slope > 0, "
		"Mann-Kendall tau >= %.2f, still growing in the later half)\n",
		t->nsuspects, t->ne, LT_TREND_MIN_TAU);
	char label[512];
	for (size_t i = 0; i < t->nsuspects; i++) {
		const struct lt_trend_entry *e = &t->e[i];
		const struct lt_group *g = e->g;
		fprintf(out, "\n#%zu ", i + 1);
		print_rate(out, e->fit.slope_per_min, e->memory ? "B" : "handles");
		fprintf(out, " over %zu snapshots", t->n);
		if (e->memory)
			fprintf(out, " (memory: %lld -> %lld bytes, %lld -> %lld blocks; tau %.2f)\n",
				e->bytes[0], e->bytes[t->n - 1], e->count[0], e->count[t->n - 1],
				e->fit.tau);
		else
			fprintf(out, " (%s: %lld -> %lld handles; tau %.2f)\n", g->kind, e->count[0],
				e->count[t->n - 1], e->fit.tau);
		size_t nf = g->nframes < TREND_TEXT_FRAMES ? g->nframes : TREND_TEXT_FRAMES;
		if (!g->nframes)
			fputs("    (no stack: origin unknown)\n", out);
		for (size_t k = 0; k < nf; k++) {
			const struct lt_frame *f = &g->frames[k];
			fprintf(out, "    %s", lt_reportfile_frame_label(f, label, sizeof label));
			if (f->file)
				fprintf(out, " %s:%lld", f->file, f->line);
			fputc('\n', out);
		}
		if (g->nframes > nf)
			fprintf(out, "    ... %zu more frame(s)\n", g->nframes - nf);
	}
}

/* ---------------------------------------------------------------------------------------
 * Command
 * ------------------------------------------------------------------------------------- */

static const char trend_usage[] =
	"usage: leaktrace trend [--format text|json] [--fail-slope RATE] [--fail-handle-slope N] [--allow-mixed] REPORT.json REPORT.json REPORT.json [...]\n";

/* RATE: a size as the size options take it (4096, 64K, 1M), optionally ending in "/min". */
static int parse_rate(const char *opt, const char *s, double *out)
{
	char buf[64];
	size_t len = strlen(s);
	if (len >= 4 && strcmp(s + len - 4, "/min") == 0)
		len -= 4;
	uint64_t x;
	if (len == 0 || len >= sizeof buf || (memcpy(buf, s, len), buf[len] = 0,
					      lt_opt_parse_size(buf, &x) != 0)) {
		fprintf(stderr, "leaktrace: error: trend: %s expects a rate per minute such as 4096, 64K or 1M/min, got \"%s\"\n",
			opt, s);
		return -1;
	}
	*out = (double)x;
	return 0;
}

int lt_cmd_trend(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"fail-slope", required_argument, NULL, 's'},
		{"fail-handle-slope", required_argument, NULL, 'h'},
		{"allow-mixed", no_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
	};
	bool json = false, mixed = false;
	double fail_slope = -1, fail_hslope = -1;
	int c;
	optind = 0; /* full getopt reset: the dispatcher may have parsed its own options */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = true;
			else if (strcmp(optarg, "text") == 0)
				json = false;
			else {
				fprintf(stderr, "leaktrace: error: trend: unknown format \"%s\" (expected text or json)\n",
					optarg);
				return 2;
			}
			break;
		case 's': if (parse_rate("--fail-slope", optarg, &fail_slope)) return 2; break;
		case 'h': if (parse_rate("--fail-handle-slope", optarg, &fail_hslope)) return 2; break;
		case 'm': mixed = true; break;
		case 'H': fputs(trend_usage, stdout); return 0;
		default:
			fprintf(stderr, "leaktrace: error: trend: unknown or incomplete option \"%s\"\n",
				argv[optind - 1]);
			fputs(trend_usage, stderr);
			return 2;
		}
	}
	int nfiles = argc - optind;
	if (nfiles < LT_TREND_MIN_SNAPSHOTS) {
		fprintf(stderr, "leaktrace: error: trend: expected at least %d report files, got %d\n",
			LT_TREND_MIN_SNAPSHOTS, nfiles);
		fputs(trend_usage, stderr);
		return 2;
	}
	struct lt_report *reports = calloc((size_t)nfiles, sizeof(*reports));
	if (!reports) {
		fprintf(stderr, "leaktrace: error: trend: out of memory\n");
		return 2;
	}
	int status = 2, loaded = 0;
	for (; loaded < nfiles; loaded++)
		if (lt_reportfile_load_or_complain(argv[optind + loaded], &reports[loaded]) != 0)
			goto out;
	struct lt_trend t;
	char err[1024];
	if (lt_trend_compute(reports, (size_t)nfiles, mixed, &t, err, sizeof err) != 0) {
		fprintf(stderr, "leaktrace: error: trend: %s\n", err);
		goto out;
	}
	if (json) {
		json_t *j = lt_trend_to_json(&t, 0);
		if (!j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) != 0) {
			fprintf(stderr, "leaktrace: error: trend: cannot write JSON output\n");
			json_decref(j);
			lt_trend_free(&t);
			goto out;
		}
		fputc('\n', stdout);
		json_decref(j);
	} else {
		print_text(stdout, &t);
	}
	bool failed = false;
	for (size_t i = 0; i < t.nsuspects; i++) {
		const struct lt_trend_entry *e = &t.e[i];
		double lim = e->memory ? fail_slope : fail_hslope;
		if (lim < 0 || e->fit.slope_per_min <= lim)
			continue;
		char label[512];
		fprintf(stderr, "leaktrace: trend: %s grows by %.0f %s/min, above --fail-%sslope %.0f\n",
			e->g->nframes ? lt_reportfile_frame_label(&e->g->frames[0], label, sizeof label)
				      : "[unknown origin]",
			e->fit.slope_per_min, e->memory ? "B" : "handles",
			e->memory ? "" : "handle-", lim);
		failed = true;
	}
	status = failed ? 1 : 0;
	lt_trend_free(&t);
out:
	if (fflush(stdout) != 0) {
		fprintf(stderr, "leaktrace: error: trend: cannot write output: %s\n", strerror(errno));
		status = 2;
	}
	for (int i = 0; i < loaded; i++)
		lt_reportfile_free(&reports[i]);
	free(reports);
	return status;
}
