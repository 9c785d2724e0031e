/* Matching the groups of two reports and computing what grew, appeared, vanished or shrank. */
#ifndef LT_TOOLS_DIFF_H
#define LT_TOOLS_DIFF_H

#include "reportfile.h"

/* One matched stack. Groups of one report with the same match key are summed (a stack can
 * symbolize identically at two addresses); OLD_G/NEW_G is the first of them, shown as the
 * representative stack. Either is NULL when the stack is absent from that report. */
struct lt_diff_entry {
	const struct lt_group *old_g, *new_g;
	long long old_bytes, old_count;
	long long new_bytes, new_count;
};

struct lt_diff {
	struct lt_diff_entry *grew, *new_groups, *vanished, *shrunk;
	size_t ngrew, nnew, nvanished, nshrunk;
	/* Growth = sum of increases over grew + new groups; decreases are not subtracted, so
	 * a stack that leaks more is caught even while another one shrinks. */
	long long growth_bytes, growth_blocks, growth_handles;
};

/* Suppressed groups take no part. Returns 0, or -1 when out of memory. */
int lt_diff_compute(const struct lt_report *old, const struct lt_report *new_,
		    struct lt_diff *d);
void lt_diff_free(struct lt_diff *d);
/* The --json object (without the gate verdict); NULL when out of memory. */
json_t *lt_diff_to_json(const struct lt_report *old, const struct lt_report *new_,
			const struct lt_diff *d);

#endif
