/* Unit tests of diff matching, sorting, totals and the gate of `leaktrace diff`. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>

#include "cmds.h"
#include "diff.h"
#include "fixture.h"

static const char *top_function(const struct lt_diff_entry *e)
{
	const struct lt_group *g = e->new_g ? e->new_g : e->old_g;
	return g->frames[0].function ? g->frames[0].function : g->frames[0].address;
}

Test(diff, matches_sorts_and_sums)
{
	struct lt_report old, new_;
	struct lt_diff d;
	load_fixture("old.json", &old);
	load_fixture("new.json", &new_);
	cr_assert_eq(lt_diff_compute(&old, &new_, &d), 0);

	/* make_session: two groups in new.json (stack ids 99 and 100, same symbolized stack)
	 * are summed and matched to stack id 1 of old.json. */
	cr_assert_eq(d.ngrew, 3);
	cr_expect_str_eq(top_function(&d.grew[0]), "make_session");
	cr_expect_eq(d.grew[0].old_bytes, 100);
	cr_expect_eq(d.grew[0].new_bytes, 420);
	cr_expect_eq(d.grew[0].new_count, 5);
	/* unsymbolized frames: matched by stack_id 55 */
	cr_expect_str_eq(top_function(&d.grew[1]), "0x7f0000009000");
	cr_expect_eq(d.grew[1].new_bytes - d.grew[1].old_bytes, 20);
	/* handles grow by count with zero bytes: after every byte growth */
	cr_expect_str_eq(top_function(&d.grew[2]), "accept_conn");
	cr_expect_eq(d.grew[2].new_count, 3);

	cr_assert_eq(d.nnew, 2);
	cr_expect_str_eq(top_function(&d.new_groups[0]), "new_thing");
	cr_expect_str_eq(top_function(&d.new_groups[1]), "open_cfg");
	cr_expect_null(d.new_groups[0].old_g);
	cr_assert_eq(d.nvanished, 1);
	cr_expect_str_eq(top_function(&d.vanished[0]), "old_only");
	cr_expect_null(d.vanished[0].new_g);
	cr_assert_eq(d.nshrunk, 1);
	cr_expect_str_eq(top_function(&d.shrunk[0]), "shrinker");
	/* cache_put is unchanged: in no section */

	cr_expect_eq(d.growth_bytes, 320 + 20 + 50);
	cr_expect_eq(d.growth_blocks, 4 + 2 + 2);
	cr_expect_eq(d.growth_handles, 2 + 1);
	lt_diff_free(&d);
	lt_reportfile_free(&old);
	lt_reportfile_free(&new_);
}

Test(diff, same_report_has_no_change)
{
	struct lt_report a, b;
	struct lt_diff d;
	load_fixture("basic.json", &a);
	load_fixture("basic.json", &b);
	cr_assert_eq(lt_diff_compute(&a, &b, &d), 0);
	cr_expect_eq(d.ngrew + d.nnew + d.nvanished + d.nshrunk, 0);
	cr_expect_eq(d.growth_bytes + d.growth_blocks + d.growth_handles, 0);
	lt_diff_free(&d);
	lt_reportfile_free(&a);
	lt_reportfile_free(&b);
}

Test(diff, reversed_swaps_grew_and_shrunk)
{
	struct lt_report old, new_;
	struct lt_diff d;
	load_fixture("old.json", &old);
	load_fixture("new.json", &new_);
	cr_assert_eq(lt_diff_compute(&new_, &old, &d), 0);
	cr_expect_eq(d.ngrew, 1); /* shrinker */
	cr_expect_eq(d.nnew, 1);  /* old_only */
	cr_expect_eq(d.nvanished, 2);
	cr_expect_eq(d.nshrunk, 3);
	/* largest decrease first */
	cr_expect_str_eq(top_function(&d.shrunk[0]), "make_session");
	cr_expect_str_eq(top_function(&d.vanished[0]), "new_thing");
	lt_diff_free(&d);
	lt_reportfile_free(&old);
	lt_reportfile_free(&new_);
}

static int run_diff(const char *opt, const char *val)
{
	char *argv[] = {"diff", (char *)opt, (char *)val, LT_TEST_DATA "/old.json",
			LT_TEST_DATA "/new.json", NULL};
	FILE *saved = stdout;
	stdout = fopen("/dev/null", "w"); /* only the status matters here */
	int rc = lt_cmd_diff(5, argv);
	fclose(stdout);
	stdout = saved;
	return rc;
}

Test(diff, gate_fails_only_when_growth_exceeds_threshold, .init = cr_redirect_stderr)
{
	cr_expect_eq(run_diff("--fail-bytes", "390"), 0);
	cr_expect_eq(run_diff("--fail-bytes", "389"), 1);
	cr_expect_eq(run_diff("--fail-blocks", "8"), 0);
	cr_expect_eq(run_diff("--fail-blocks", "7"), 1);
	cr_expect_eq(run_diff("--fail-handles", "3"), 0);
	cr_expect_eq(run_diff("--fail-handles", "0"), 1);
	cr_expect_eq(run_diff("--fail-handles", "-1"), 2);
	cr_expect_eq(run_diff("--fail-bytes", "12x"), 2);
	fflush(stderr);
	cr_expect_stderr_eq_str(
		"leaktrace: diff: growth of 390 bytes exceeds --fail-bytes 389\n"
		"leaktrace: diff: growth of 8 blocks exceeds --fail-blocks 7\n"
		"leaktrace: diff: growth of 3 handles exceeds --fail-handles 0\n"
		"leaktrace: error: diff: --fail-handles expects a non-negative integer, got \"-1\"\n"
		"leaktrace: error: diff: --fail-bytes expects a byte count (e.g. 4096, 64K, 1M), got \"12x\"\n");
}

Test(diff, json_has_the_documented_shape)
{
	struct lt_report old, new_;
	struct lt_diff d;
	load_fixture("old.json", &old);
	load_fixture("new.json", &new_);
	cr_assert_eq(lt_diff_compute(&old, &new_, &d), 0);
	json_t *j = lt_diff_to_json(&old, &new_, &d);
	cr_assert_not_null(j);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(j, "new"), "sequence")), 3);
	cr_expect_eq(json_integer_value(json_object_get(j, "growth_bytes")), 390);
	cr_expect_eq(json_integer_value(json_object_get(j, "growth_handles")), 3);
	cr_expect_eq(json_array_size(json_object_get(j, "grew")), 3);
	cr_expect_eq(json_array_size(json_object_get(j, "new_groups")), 2);
	cr_expect_eq(json_array_size(json_object_get(j, "vanished")), 1);
	cr_expect_eq(json_array_size(json_object_get(j, "shrunk")), 1);
	json_t *e = json_array_get(json_object_get(j, "grew"), 0);
	cr_expect_eq(json_integer_value(json_object_get(e, "delta_bytes")), 320);
	cr_expect_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(e, "stack"), 0), "function")), "make_session");
	json_decref(j);
	lt_diff_free(&d);
	lt_reportfile_free(&old);
	lt_reportfile_free(&new_);
}
