/* End-to-end tests of the validated stack cache (issue 18, src/stack.c):
 * the stacks a run reports with the cache on equal, frame for frame, the
 * ones it reports with the cache off, through recursion, rbp-based
 * (alloca) frames, a signal handler, longjmp, threads and C++ exceptions;
 * and the cache is used (hits), with no disagreement when every hit is
 * also walked (stack_cache=verify; the harness checks every report of the
 * whole e2e suite that way). Figures confirmed with valgrind memcheck 3.19
 * (--leak-check=full --show-leak-kinds=all), quoted in each program. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define RUN(r, name, opts)                                                     \
	do {                                                                   \
		char *argv_[] = { NULL };                                      \
		cr_assert_eq(lt_e2e_run(&(r), name, opts, argv_), 0, "run %s", name); \
		cr_assert_not_null((r).report, "no report from %s; status %d; stderr: %s", \
				   name, (r).status, (r).err);                 \
		cr_assert_eq((r).status, 23, "%s: the gate fails (exit 23); stderr: %s", name, (r).err); \
	} while (0)

static long long cache(const lt_run_t *r, const char *key)
{
	json_t *sc = json_object_get(r->report, "stack_cache");
	cr_assert_not_null(sc, "the report has stack_cache");
	return json_integer_value(json_object_get(sc, key));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "class bytes count | fn file:line < fn file:line < ..." per memory group,
 * sorted: what the report says of where each block came from. */
static char *stacks_of(const lt_run_t *r)
{
	json_t *leaks = json_object_get(r->report, "leaks");
	size_t n = json_array_size(leaks), i;
	char **lines = calloc(n + 1, sizeof *lines);
	size_t nl = 0, total = 1;
	json_t *g;
	json_array_foreach(leaks, i, g) {
		if (strcmp(json_string_value(json_object_get(g, "kind")), "memory"))
			continue;
		char buf[8192];
		int k = snprintf(buf, sizeof buf, "%s %lld %lld |",
				 json_string_value(json_object_get(g, "class")),
				 lt_e2e_group_bytes(g), lt_e2e_group_count(g));
		size_t j;
		json_t *f;
		json_array_foreach(json_object_get(g, "stack"), j, f) {
			const char *fn = json_string_value(json_object_get(f, "function"));
			const char *file = json_string_value(json_object_get(f, "file"));
			k += snprintf(buf + k, sizeof buf - (size_t)k, " %s %s:%lld <", fn ? fn : "?",
				      file ? file : "?",
				      (long long)json_integer_value(json_object_get(f, "line")));
			if ((size_t)k >= sizeof buf)
				break;
		}
		lines[nl] = strdup(buf);
		total += strlen(buf) + 1;
		nl++;
	}
	qsort(lines, nl, sizeof *lines, cmp_str);
	char *out = calloc(1, total);
	for (size_t x = 0; x < nl; x++) {
		strcat(out, lines[x]);
		strcat(out, "\n");
		free(lines[x]);
	}
	free(lines);
	return out;
}

/* Memory groups whose stack is exactly these functions, innermost first
 * (NULL-terminated); their blocks and bytes summed. */
static void group_of(const lt_run_t *r, const char *const *fns, long long *bytes, long long *count)
{
	*bytes = *count = 0;
	json_t *leaks = json_object_get(r->report, "leaks");
	size_t i;
	json_t *g;
	json_array_foreach(leaks, i, g) {
		if (strcmp(json_string_value(json_object_get(g, "kind")), "memory"))
			continue;
		size_t k = 0;
		while (fns[k]) {
			const char *f = lt_e2e_frame_function(g, k);
			if (!f || strcmp(f, fns[k]))
				break;
			k++;
		}
		if (fns[k])
			continue;
		*bytes += lt_e2e_group_bytes(g);
		*count += lt_e2e_group_count(g);
	}
}

#define EXPECT_GROUP(r, bytes_, count_, ...)                                   \
	do {                                                                   \
		const char *fns_[] = { __VA_ARGS__, NULL };                    \
		long long b_, n_;                                              \
		group_of(&(r), fns_, &b_, &n_);                                \
		cr_expect_eq(b_, bytes_, "%s...: %lld bytes", fns_[0], b_);   \
		cr_expect_eq(n_, count_, "%s...: %lld blocks", fns_[0], n_);  \
	} while (0)

static void same_stacks_on_and_off(const char *prog, long long def_bytes, long long def_blocks)
{
	lt_run_t off = {0}, on = {0};
	RUN(off, prog, "stack_cache=off");
	RUN(on, prog, "stack_cache=on");
	char *a = stacks_of(&off), *b = stacks_of(&on);
	cr_assert_str_eq(b, a, "stacks with the cache on differ from the stacks without it");
	cr_assert_eq(lt_e2e_summary(&on, "by_class.definitely_lost.bytes"), def_bytes);
	cr_assert_eq(lt_e2e_summary(&on, "by_class.definitely_lost.blocks"), def_blocks);
	cr_assert_eq(cache(&off, "hits"), 0, "the cache is off");
	cr_assert_gt(cache(&on, "hits"), 0, "the cache was used");
	free(a);
	free(b);
	lt_e2e_free(&off);
	lt_e2e_free(&on);
}

Test(stackcache, stack_mix_stacks_equal_without_cache)
{
	/* memcheck: definitely lost: 65,480 bytes in 1,945 blocks */
	same_stacks_on_and_off("stack_mix", 65480, 1945);
}

Test(stackcache, stack_throw_stacks_equal_without_cache)
{
	/* memcheck: definitely lost: 8,720 bytes in 270 blocks */
	same_stacks_on_and_off("stack_throw", 8720, 270);
}

Test(stackcache, stack_mix_groups_verified)
{
	lt_run_t r = {0};
	RUN(r, "stack_mix", "stack_cache=verify");
	cr_assert_eq(cache(&r, "mismatches"), 0);
	cr_assert_gt(cache(&r, "hits"), 1000, "recurring stacks are served by the cache");
	cr_assert_geq(cache(&r, "verified"), cache(&r, "hits"), "every hit was walked too");
	EXPECT_GROUP(r, 1280, 40, "recurse_alloc", "main");
	EXPECT_GROUP(r, 1280, 40, "recurse_alloc", "recurse_alloc", "recurse_alloc", "main");
	EXPECT_GROUP(r, 1280, 40, "recurse_alloc", "recurse_alloc", "recurse_alloc",
		     "recurse_alloc", "recurse_alloc", "recurse_alloc", "main");
	/* depth 30, cut at the default depth of 16: sixteen recurse_alloc */
	EXPECT_GROUP(r, 640, 20, "recurse_alloc", "recurse_alloc", "recurse_alloc",
		     "recurse_alloc", "recurse_alloc", "recurse_alloc", "recurse_alloc",
		     "recurse_alloc", "recurse_alloc", "recurse_alloc", "recurse_alloc",
		     "recurse_alloc", "recurse_alloc", "recurse_alloc", "recurse_alloc",
		     "recurse_alloc");
	EXPECT_GROUP(r, 14400, 300, "alloca_alloc", "caller_a", "main");
	EXPECT_GROUP(r, 14400, 300, "alloca_alloc", "caller_b_inner", "caller_b", "main");
	EXPECT_GROUP(r, 24000, 1000, "thread_alloc", "worker");
	EXPECT_GROUP(r, 672, 12, "jump_alloc", "main");
	EXPECT_GROUP(r, 672, 12, "jump_alloc", "jump_alloc", "jump_alloc", "jump_alloc",
		     "jump_alloc", "main");
	EXPECT_GROUP(r, 1000, 25, "on_signal");
	lt_e2e_free(&r);
}

Test(stackcache, stack_throw_groups_verified)
{
	lt_run_t r = {0};
	RUN(r, "stack_throw", "stack_cache=verify");
	cr_assert_eq(cache(&r, "mismatches"), 0);
	cr_assert_gt(cache(&r, "hits"), 100);
	EXPECT_GROUP(r, 3600, 50, "after_catch()", "main");
	/* sixteen frames below operator new, all deep_new */
	EXPECT_GROUP(r, 320, 20, "deep_new(int)", "deep_new(int)", "deep_new(int)",
		     "deep_new(int)", "deep_new(int)", "deep_new(int)", "deep_new(int)",
		     "deep_new(int)", "deep_new(int)", "deep_new(int)", "deep_new(int)",
		     "deep_new(int)", "deep_new(int)", "deep_new(int)", "deep_new(int)",
		     "deep_new(int)");
	EXPECT_GROUP(r, 1200, 50, "leak_then_throw(int)", "main");
	EXPECT_GROUP(r, 1200, 50, "leak_then_throw(int)", "leak_then_throw(int)",
		     "leak_then_throw(int)", "leak_then_throw(int)", "main");
	lt_e2e_free(&r);
}

/* Two paths with the same words at the same slots except one saved frame
 * pointer (stack_alias.c): a cache that did not check the frame-pointer
 * slot where a frame's CFA is rbp-based would report one path's stack for
 * the other's blocks. */
Test(stackcache, saved_frame_pointer_tells_paths_apart)
{
	lt_run_t r = {0};
	RUN(r, "stack_alias", "stack_cache=verify");
	cr_assert(strstr(r.out, "aligned") == r.out, "the paths share a stack pointer: %s", r.out);
	cr_assert_eq(cache(&r, "mismatches"), 0);
	cr_assert_gt(cache(&r, "hits"), 100);
	/* memcheck: definitely lost: 3,200 bytes in 400 blocks (2 x 200) */
	EXPECT_GROUP(r, 1600, 200, "fill_and_leak", "via_x", "main");
	EXPECT_GROUP(r, 1600, 200, "fill_and_leak", "via_y", "via_y_outer", "main");
	lt_e2e_free(&r);
	same_stacks_on_and_off("stack_alias", 3200, 400);
}

/* A SIGPROF handler that walks with libunwind lands inside the tracer's
 * walks (prof_unwind.c): the thread's signal mask is the program's at the
 * end, as natively. Before walk_end checked for it, the profiler's walk
 * inside the tracer's left SIGPROF blocked (4 runs of 4). */
Test(stackcache, profiler_walking_in_a_signal_handler_keeps_its_mask)
{
	/* exitcode=0: the program's libunwind may open its validation
	 * pipe for itself (when its first walk comes before the tracer's),
	 * two descriptors it keeps: not what this test is about */
	const char *modes[] = { "stack_cache=off:exitcode=0", "stack_cache=on:exitcode=0" };
	for (int m = 0; m < 2; m++) {
		for (int run = 0; run < 3; run++) {
			lt_run_t r = {0};
			char *argv_[] = { NULL };
			cr_assert_eq(lt_e2e_run(&r, "prof_unwind", modes[m], argv_), 0);
			cr_assert_eq(r.status, 0, "%s: status %d; stderr: %s", modes[m], r.status, r.err);
			cr_assert_str_eq(r.out, "mask ok\n", "%s, run %d", modes[m], run);
			cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 0);
			lt_e2e_free(&r);
		}
	}
	lt_run_t n = {0};
	char *argv_[] = { NULL };
	cr_assert_eq(lt_e2e_run_native(&n, "prof_unwind", argv_), 0);
	cr_assert_str_eq(n.out, "mask ok\n");
	lt_e2e_free(&n);
}
