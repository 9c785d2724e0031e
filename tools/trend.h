/* Ranking the stacks that grow steadily over a series of snapshots of one process
 * (`leaktrace trend` and the HTML page's trend table). */
#ifndef LT_TOOLS_TREND_H
#define LT_TOOLS_TREND_H

#include "reportfile.h"

/* Fewest snapshots a trend is computed from: two points make a line of any slope. */
#define LT_TREND_MIN_SNAPSHOTS 3
/* Mann-Kendall tau a suspect needs: with no ties, 0.7 means at least 85% of all pairs
 * of snapshots (not only neighbours) are in increasing order. */
#define LT_TREND_MIN_TAU 0.7

/* The fit of one series of values at times T_MS (milliseconds of uptime, increasing). */
struct lt_trend_fit {
	double slope_per_min;      /* least squares over the whole series, units a minute */
	double tau;                /* Mann-Kendall tau-a: (increasing - decreasing pairs) / pairs */
	double late_tau;           /* the same over the later half (from index n/2) */
	double rising_steps;       /* fraction of consecutive steps that increased */
	bool suspect;              /* slope > 0, tau >= LT_TREND_MIN_TAU, late_tau > 0 */
};

/* Fits V (N values) at T_MS. With fewer than LT_TREND_MIN_SNAPSHOTS points, or all
 * times equal, the fit is all zero and not a suspect. */
void lt_trend_fit(const double *t_ms, const double *v, size_t n, struct lt_trend_fit *f);

/* One stack across the series: memory groups of one stack are summed over their
 * classes (a pool block that turns from reachable into lost is still the same pool),
 * handle groups count handles. */
struct lt_trend_entry {
	const struct lt_group *g; /* the stack's group in the latest report holding it */
	bool memory;
	long long *bytes, *count; /* one per snapshot, oldest first; 0 where absent */
	struct lt_trend_fit fit;  /* of bytes for memory, of count for handles */
};

struct lt_trend {
	const struct lt_report **rs; /* the snapshots, oldest first (by uptime, then sequence) */
	size_t n;
	struct lt_trend_entry *e;    /* suspects first, then the rest; see lt_trend_compute */
	size_t ne, nsuspects;
	double span_ms;              /* uptime of the last minus the first snapshot */
};

/* Ranks the unsuppressed stacks of REPORTS (any order). Order: memory suspects by bytes
 * a minute, then handle suspects by handles a minute, then every other stack by slope.
 * Returns 0; -1 with a message in ERR when the reports are fewer than
 * LT_TREND_MIN_SNAPSHOTS or come from different processes (pid or exe differ) unless
 * ALLOW_MIXED; -2 when out of memory. */
int lt_trend_compute(const struct lt_report *reports, size_t n, bool allow_mixed,
		     struct lt_trend *t, char *err, size_t errlen);
void lt_trend_free(struct lt_trend *t);
/* {snapshots, pid, exe, span_ms, min_tau, stacks, suspects: [...]} with at most MAX
 * suspects listed (0: all); NULL when out of memory. */
json_t *lt_trend_to_json(const struct lt_trend *t, size_t max);

#endif
