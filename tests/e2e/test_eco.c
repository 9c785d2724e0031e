/* End-to-end tests of the client API (include/leaktrace.h) and of
 * LeakSanitizer's interface exported by the shim: programs built as users
 * build them (weak declarations, no link to the shim), run with and
 * without it. Expected figures come from the programs' code (their header
 * comments); memcheck's are quoted where they differ because memcheck has no
 * such API: valgrind --leak-check=full on the programs run without the shim
 * (the calls are then no-ops) says
 *   client_api: definitely lost 332 bytes in 3 blocks (32, 100, 200),
 *               indirectly lost 40 in 1, still reachable 350 in 2 (300 and
 *               50: memcheck scans the private /dev/zero pages, which it
 *               treats as anonymous; leaktrace scans anonymous mappings
 *               and registered regions, and the program maps /dev/zero so
 *               that only registering makes its page a root)
 *   lsan_api:   definitely lost 312 bytes in 4 blocks (16, 32, 64, 200),
 *               still reachable 300 in 1 (the 100 B block is allocated only
 *               when __lsan_ignore_object exists). */
#include <criterion/criterion.h>
#include <string.h>

#include "harness.h"

#define RUN(r, name, opts)                                                     \
	cr_assert_eq(lt_e2e_run(&(r), name, opts, NULL), 0, "run %s", name)

/* The memory group of class cls whose stack names fn, with these bytes. */
static json_t *group(json_t *report, const char *cls, const char *fn, long long bytes)
{
	json_t *leaks = json_object_get(report, "leaks"), *g;
	size_t i;
	json_array_foreach(leaks, i, g) {
		if (strcmp(json_string_value(json_object_get(g, "kind")), "memory") ||
		    strcmp(json_string_value(json_object_get(g, "class")), cls))
			continue;
		if (lt_e2e_group_bytes(g) == bytes && lt_e2e_stack_has(g, fn))
			return g;
	}
	return NULL;
}

static void expect(json_t *report, const char *cls, const char *fn, long long bytes)
{
	json_t *g = group(report, cls, fn, bytes);
	cr_assert_not_null(g, "no %s group of %lld bytes from %s", cls, bytes, fn);
	cr_assert_eq(lt_e2e_group_count(g), 1);
	cr_assert_str_eq(lt_e2e_frame_function(g, 0), "make_block");
}

static long long class_bytes(json_t *report, const char *cls, const char *what)
{
	json_t *c = json_object_get(json_object_get(json_object_get(report, "summary"), "by_class"), cls);
	return json_integer_value(json_object_get(c, what));
}

/* The nth report (by sequence) with that reason. */
static json_t *report_with_reason(lt_run_t *r, const char *reason, int nth)
{
	for (long long seq = 0; seq < r->nreports; seq++)
		for (int i = 0; i < r->nreports; i++) {
			json_t *j = r->reports[i];
			if (json_integer_value(json_object_get(j, "sequence")) == seq &&
			    !strcmp(json_string_value(json_object_get(j, "reason")), reason) && nth-- == 0)
				return j;
		}
	return NULL;
}

Test(eco, client_api_ignore_disable_regions_snapshot, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "client_api", "exitcode=0");
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert(strstr(r.out, "reused=1\n"), "the ignored block's address was not reused: %s", r.out);
	/* the snapshot the program asked for, at the path it was given */
	char want[512];
	json_t *snap = report_with_reason(&r, "snapshot", 0);
	cr_assert_not_null(snap, "no snapshot report; stdout: %s", r.out);
	snprintf(want, sizeof want, "active=1 snapshot=%s/r.%lld.0.json\n", r.dir,
		 (long long)json_integer_value(json_object_get(snap, "pid")));
	cr_assert_str_eq(r.out + strlen("reused=1\n"), want);
	cr_assert_eq(r.nreports, 2);
	json_t *reports[] = { snap, r.report };
	for (int i = 0; i < 2; i++) {
		json_t *j = reports[i];
		expect(j, "still_reachable", "ignored_pair", 100);
		expect(j, "still_reachable", "ignored_pair", 40);
		expect(j, "still_reachable", "disabled_region", 200);
		expect(j, "still_reachable", "root_region", 300);
		expect(j, "definitely_lost", "root_region", 50);
		expect(j, "definitely_lost", "reused_after_free", 32);
		cr_assert_eq(class_bytes(j, "definitely_lost", "bytes"), 82);
		cr_assert_eq(class_bytes(j, "definitely_lost", "blocks"), 2);
		cr_assert_eq(class_bytes(j, "indirectly_lost", "bytes"), 0);
		cr_assert_eq(class_bytes(j, "possibly_lost", "bytes"), 0);
	}
	cr_assert_str_eq(json_string_value(json_object_get(r.report, "reason")), "exit");
	lt_e2e_free(&r);
}

Test(eco, client_api_ignored_without_classification, .timeout = 60)
{
	/* classify=0: no scan, yet what the program ignored is not a leak */
	lt_run_t r;
	RUN(r, "client_api", "exitcode=0:classify=0");
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	expect(r.report, "still_reachable", "ignored_pair", 100);
	expect(r.report, "still_reachable", "disabled_region", 200);
	expect(r.report, "unclassified", "ignored_pair", 40);
	expect(r.report, "unclassified", "reused_after_free", 32);
	lt_e2e_free(&r);
}

Test(eco, client_api_without_the_shim, .timeout = 60)
{
	lt_run_t r;
	cr_assert_eq(lt_e2e_run_native(&r, "client_api", NULL), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "reused=1\nactive=0 snapshot=none\n");
	cr_assert_eq(r.nreports, 0);
	lt_e2e_free(&r);
}

static json_t *lsan_group(json_t *report, const char *cls, const char *fn, long long bytes)
{
	json_t *g = group(report, cls, fn, bytes);
	cr_assert_not_null(g, "no %s group of %lld bytes from %s", cls, bytes, fn);
	cr_assert_str_eq(lt_e2e_frame_function(g, 0), "lsan_block");
	return g;
}

static void expect_lsan_exit_report(json_t *j)
{
	cr_assert_str_eq(json_string_value(json_object_get(j, "reason")), "exit");
	lsan_group(j, "still_reachable", "annotated", 100);
	lsan_group(j, "still_reachable", "annotated", 200);
	lsan_group(j, "still_reachable", "annotated", 300);
	lsan_group(j, "definitely_lost", "main", 16);
	lsan_group(j, "definitely_lost", "drop_block", 32);
	cr_assert_null(group(j, "definitely_lost", "drop_block", 64), "the 64 B block came later");
	cr_assert_eq(class_bytes(j, "definitely_lost", "bytes"), 48);
	cr_assert_eq(class_bytes(j, "definitely_lost", "blocks"), 2);
}

Test(eco, lsan_interface_gate_ends_at_leak_check, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "lsan_api", NULL);
	/* __lsan_do_leak_check found leaks with exitcode=23: LSan's Die() */
	cr_assert_eq(r.status, 23, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "lsan=1 rec1=0 rec2=1\n");
	cr_assert_eq(r.nreports, 3);
	/* the recoverable checks: nothing lost, then the 16 B block */
	json_t *s0 = report_with_reason(&r, "snapshot", 0), *s1 = report_with_reason(&r, "snapshot", 1);
	cr_assert(s0 && s1);
	cr_assert_eq(class_bytes(s0, "definitely_lost", "bytes"), 0);
	lsan_group(s0, "still_reachable", "annotated", 100);
	lsan_group(s0, "still_reachable", "annotated", 200);
	lsan_group(s0, "still_reachable", "annotated", 300);
	lsan_group(s0, "still_reachable", "main", 16);
	cr_assert_eq(class_bytes(s1, "definitely_lost", "bytes"), 16);
	lsan_group(s1, "definitely_lost", "main", 16);
	expect_lsan_exit_report(r.report);
	lt_e2e_free(&r);
}

Test(eco, lsan_interface_no_exit_report_after_leak_check, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "lsan_api", "exitcode=0");
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "lsan=1 rec1=0 rec2=1\nafter check\n");
	/* two snapshots and the one leak check: nothing more at exit */
	cr_assert_eq(r.nreports, 3);
	cr_assert_null(report_with_reason(&r, "exit", 1));
	expect_lsan_exit_report(report_with_reason(&r, "exit", 0));
	lt_e2e_free(&r);
}

Test(eco, lsan_interface_without_the_shim, .timeout = 60)
{
	lt_run_t r;
	cr_assert_eq(lt_e2e_run_native(&r, "lsan_api", NULL), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "lsan=0 rec1=0 rec2=0\nafter check\n");
	lt_e2e_free(&r);
}
