/* Unit tests of the trend ranking (tools/trend.c) on synthetic series: steady growth,
 * noise with no trend, a sawtooth pool that grows and shrinks, a one-time step, and the
 * ranking of whole reports (classes of one stack summed, memory before handles, mixed
 * processes refused). */
#include <criterion/criterion.h>
#include <string.h>

#include "trend.h"

/* snapshots one minute apart: slopes per minute equal the per-step growth */
static void fit(const double *v, size_t n, struct lt_trend_fit *f)
{
	double t[64];
	for (size_t i = 0; i < n; i++)
		t[i] = 5000.0 + 60000.0 * (double)i;
	lt_trend_fit(t, v, n, f);
}

Test(trend, steady_growth_is_a_suspect)
{
	double v[] = { 1000, 1064, 1128, 1192, 1256, 1320, 1384, 1448 };
	struct lt_trend_fit f;
	fit(v, 8, &f);
	cr_expect(f.suspect);
	cr_expect_float_eq(f.slope_per_min, 64.0, 1e-9);
	cr_expect_float_eq(f.late_tau, 1.0, 1e-12);
	cr_expect_float_eq(f.tau, 1.0, 1e-12);
	cr_expect_float_eq(f.rising_steps, 1.0, 1e-12);
}

Test(trend, uneven_spacing_uses_uptime)
{
	/* 100 bytes a snapshot, but the snapshots are 30 s then 90 s apart: the rate is
	 * over time, not over snapshot numbers */
	double t[] = { 0, 30000, 120000, 150000, 240000 };
	double v[] = { 0, 50, 200, 250, 400 }; /* exactly 100 B/min */
	struct lt_trend_fit f;
	lt_trend_fit(t, v, 5, &f);
	cr_expect(f.suspect);
	cr_expect_float_eq(f.slope_per_min, 100.0, 1e-9);
}

Test(trend, noise_without_trend_is_not)
{
	double v[] = { 1000, 1040, 980, 1010, 990, 1030, 970, 1020, 1000, 985 };
	struct lt_trend_fit f;
	fit(v, 10, &f);
	cr_expect_not(f.suspect);
	cr_expect_lt(f.tau, 0.3);
	cr_expect_gt(f.tau, -0.3);
	/* last-minus-first alone would not tell either: -15 here, +15 with the ends swapped */
}

Test(trend, sawtooth_pool_is_not)
{
	/* a pool that fills to 30 and is drained, three times: it ends higher than it began
	 * (caught at its top) and its least-squares slope is positive, but pairs across cycles
	 * cancel: tau = (3 cycles * 6 rising pairs) / 66 pairs = 0.27 */
	double v[] = { 0, 10, 20, 30, 0, 10, 20, 30, 0, 10, 20, 30 };
	struct lt_trend_fit f;
	fit(v, 12, &f);
	cr_expect_not(f.suspect);
	cr_expect_gt(f.slope_per_min, 0);
	cr_expect_float_eq(f.tau, 18.0 / 66.0, 1e-12);
}

Test(trend, one_step_is_not)
{
	/* a cache filled once: positive slope, tau 16/28, nothing grows after the step */
	double v[] = { 0, 0, 0, 0, 4096, 4096, 4096, 4096 };
	struct lt_trend_fit f;
	fit(v, 8, &f);
	cr_expect_not(f.suspect);
	cr_expect_gt(f.slope_per_min, 0);
	cr_expect_float_eq(f.tau, 16.0 / 28.0, 1e-12);
	cr_expect_float_eq(f.late_tau, 0.0, 1e-12);
	/* the same step in the later half: the later half rises, but tau 15/28 is low */
	double w[] = { 0, 0, 0, 0, 0, 4096, 4096, 4096 };
	fit(w, 8, &f);
	cr_expect_not(f.suspect);
	cr_expect_gt(f.late_tau, 0);
}

Test(trend, growth_after_warmup_and_an_outlier_still_is)
{
	/* a start-up step, then 10 bytes a minute, with one sample spiking: robust to both */
	double v[] = { 0, 1000, 1010, 1020, 9000, 1040, 1050, 1060, 1070 };
	struct lt_trend_fit f;
	fit(v, 9, &f);
	cr_expect(f.suspect);
	cr_expect_geq(f.tau, LT_TREND_MIN_TAU);
	/* bursts: growth every other snapshot */
	double b[] = { 0, 0, 64, 64, 128, 128, 192, 192 };
	fit(b, 8, &f);
	cr_expect(f.suspect);
	cr_expect_float_eq(f.tau, 24.0 / 28.0, 1e-12);
}

Test(trend, too_few_points_are_no_trend)
{
	double v[] = { 0, 1000 };
	struct lt_trend_fit f;
	fit(v, 2, &f);
	cr_expect_not(f.suspect);
	cr_expect_eq(f.slope_per_min, 0);
}

/* ---------- whole reports ---------- */

#define NSNAP 4
static struct lt_frame fr_pool[] = { { .address = "0x1", .function = "pool_add", .file = "s.c", .line = 10 } };
static struct lt_frame fr_cache[] = { { .address = "0x2", .function = "cache_fill", .file = "s.c", .line = 20 } };
static struct lt_frame fr_conn[] = { { .address = "0x3", .function = "accept_conn", .file = "s.c", .line = 30 } };
static struct lt_group groups[NSNAP][4];
static struct lt_report reps[NSNAP];

static struct lt_group mem(struct lt_frame *f, enum lt_class c, long long bytes, long long n)
{
	return (struct lt_group){ .kind = "memory", .class_ = c, .is_memory = true, .bytes = bytes,
				  .count = n, .frames = f, .nframes = 1, .stack_id = f == fr_pool ? 1 : 2 };
}

static void make_reports(void)
{
	static char paths[NSNAP][16];
	for (int i = 0; i < NSNAP; i++) {
		/* pool: 100 bytes a snapshot, split between still reachable and lost as blocks
		 * drop out of the pool; cache: constant 500 bytes; sockets: one more each time */
		groups[i][0] = mem(fr_pool, LT_CLASS_REACHABLE, 100 * (i + 1) - 10 * i, i + 1);
		groups[i][1] = mem(fr_pool, LT_CLASS_DEFINITE, 10 * i, i);
		groups[i][2] = mem(fr_cache, LT_CLASS_REACHABLE, 500, 5);
		groups[i][3] = (struct lt_group){ .kind = "socket", .class_ = LT_CLASS_OPEN,
						  .count = i + 1, .frames = fr_conn, .nframes = 1,
						  .stack_id = 3 };
		snprintf(paths[i], sizeof paths[i], "s%d.json", i);
		/* listed newest first: the ranking orders by uptime */
		struct lt_report *r = &reps[NSNAP - 1 - i];
		memset(r, 0, sizeof(*r));
		r->path = paths[i];
		r->pid = 42;
		r->exe = "/srv/app";
		r->sequence = i;
		r->uptime_ms = 1000 + 30000 * i;
		r->groups = groups[i];
		r->ngroups = 4;
	}
}

Test(trend, ranks_memory_then_handles_and_sums_classes)
{
	make_reports();
	struct lt_trend t;
	char err[256];
	cr_assert_eq(lt_trend_compute(reps, NSNAP, false, &t, err, sizeof err), 0, "%s", err);
	cr_assert_eq(t.n, NSNAP);
	cr_assert_eq(t.ne, 3);
	cr_assert_eq(t.nsuspects, 2);
	cr_expect_str_eq(t.e[0].g->frames[0].function, "pool_add");
	cr_expect(t.e[0].memory);
	for (int i = 0; i < NSNAP; i++) {
		cr_expect_eq(t.e[0].bytes[i], 100 * (i + 1), "classes summed at %d", i);
		cr_expect_eq(t.e[0].count[i], 2 * i + 1);
	}
	cr_expect_float_eq(t.e[0].fit.slope_per_min, 200.0, 1e-9); /* 100 B per 30 s */
	cr_expect_str_eq(t.e[1].g->frames[0].function, "accept_conn");
	cr_expect_not(t.e[1].memory);
	cr_expect_float_eq(t.e[1].fit.slope_per_min, 2.0, 1e-9);
	cr_expect_str_eq(t.e[2].g->frames[0].function, "cache_fill");
	cr_expect_not(t.e[2].fit.suspect);
	cr_expect_float_eq(t.span_ms, 90000.0, 1e-9);

	json_t *j = lt_trend_to_json(&t, 1);
	cr_assert_not_null(j);
	cr_expect_eq(json_integer_value(json_object_get(j, "n_suspects")), 2);
	cr_expect_eq(json_array_size(json_object_get(j, "suspects")), 1);
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(j, "files"), 0)), "s0.json");
	json_decref(j);
	lt_trend_free(&t);
}

Test(trend, refuses_mixed_processes_and_too_few)
{
	make_reports();
	struct lt_trend t;
	char err[256];
	reps[2].pid = 43;
	cr_expect_eq(lt_trend_compute(reps, NSNAP, false, &t, err, sizeof err), -1);
	cr_expect(strstr(err, "are not snapshots of one process"), "%s", err);
	cr_expect_eq(lt_trend_compute(reps, NSNAP, true, &t, err, sizeof err), 0);
	lt_trend_free(&t);
	reps[2].pid = 42;
	reps[1].exe = "/srv/other";
	cr_expect_eq(lt_trend_compute(reps, NSNAP, false, &t, err, sizeof err), -1);
	cr_expect_eq(lt_trend_compute(reps, 2, false, &t, err, sizeof err), -1);
	cr_expect(strstr(err, "at least 3 snapshots"), "%s", err);
}
