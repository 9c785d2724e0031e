/* End-to-end tests of allocator start-up and of which memory belongs to
 * the program (issues 12 and 13): a program that links its own allocator,
 * pthread keys whose slots glibc allocates inside the tracer's first stack
 * capture, and blocks a library constructor allocates before the tracer's
 * constructor runs. Figures confirmed with valgrind memcheck 3.19
 * (--leak-check=full --show-leak-kinds=all --track-fds=yes), quoted per
 * test and in each program's header. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define RUN(r, name, opts, ...)                                                \
	do {                                                                   \
		char *argv_[] = { __VA_ARGS__ };                               \
		cr_assert_eq(lt_e2e_run(&(r), name, opts, argv_), 0, "run %s", name); \
		cr_assert_not_null((r).report, "no report from %s; status %d; stderr: %s", \
				   name, (r).status, (r).err);                 \
	} while (0)

static long long S(const lt_run_t *r, const char *path)
{
	return lt_e2e_summary(r, path);
}

static void assert_lost(const lt_run_t *r, long long db, long long dn, long long ib,
			long long in, long long pb, long long pn)
{
	cr_assert_eq(S(r, "by_class.definitely_lost.bytes"), db, "definite bytes %lld; stderr: %s",
		     S(r, "by_class.definitely_lost.bytes"), r->err);
	cr_assert_eq(S(r, "by_class.definitely_lost.blocks"), dn);
	cr_assert_eq(S(r, "by_class.indirectly_lost.bytes"), ib);
	cr_assert_eq(S(r, "by_class.indirectly_lost.blocks"), in);
	cr_assert_eq(S(r, "by_class.possibly_lost.bytes"), pb);
	cr_assert_eq(S(r, "by_class.possibly_lost.blocks"), pn);
	cr_assert_eq(S(r, "by_class.unclassified.blocks"), 0);
	cr_assert(json_is_true(json_object_get(r->report, "classified")));
}

/* Totals over every memory group of that class whose first frame is fn. */
static void assert_group(const lt_run_t *r, const char *cls, const char *fn,
			 long long bytes, long long count)
{
	json_t *leaks = json_object_get(r->report, "leaks");
	long long b = 0, n = 0;
	size_t i;
	json_t *g;
	json_array_foreach(leaks, i, g) {
		const char *c = json_string_value(json_object_get(g, "class"));
		const char *k = json_string_value(json_object_get(g, "kind"));
		if (!c || !k || strcmp(c, cls) || strcmp(k, "memory"))
			continue;
		const char *f0 = lt_e2e_frame_function(g, 0);
		if (!f0 || strcmp(f0, fn))
			continue;
		b += lt_e2e_group_bytes(g);
		n += lt_e2e_group_count(g);
	}
	cr_assert_eq(b, bytes, "%s %s bytes: %lld; stderr: %s", cls, fn, b, r->err);
	cr_assert_eq(n, count, "%s %s count: %lld", cls, fn, n);
}

/* ---- issue 12: the executable brings its own allocator ------------------ */

/* The allocator's first call (from preinit_array) initialises it and opens
 * a /proc file through the tracer's open hook; resolving the real functions
 * there must not call malloc (it did: a failing dlsym formats its error
 * with the program's malloc, which re-entered the allocator's init: status
 * 99, as rustc's jemalloc deadlocked). The program runs as it does alone,
 * and the report says memory is not traced.
 * memcheck: 16 bytes still reachable in 1 block, nothing lost (it replaces
 * the executable's allocator, which leaktrace cannot). */
Test(alloc, program_with_own_malloc_runs_and_report_says_so, .timeout = 60)
{
	lt_run_t native, r;
	char *argv_[] = { NULL };
	cr_assert_eq(lt_e2e_run_native(&native, "own_allocator", argv_), 0);
	cr_assert_eq(native.status, 0);
	RUN(r, "own_allocator", NULL, NULL);
	cr_assert_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, native.out);
	cr_assert_str_eq(r.out, "own allocator works; initialised once; early block kept; "
				"overcommit read yes\n");
	cr_assert(json_is_false(json_object_get(r.report, "memory_traced")));
	cr_assert_str_eq(json_string_value(json_object_get(r.report, "memory_note")),
			 "memory not traced: the program defines its own malloc");
	cr_assert_eq(S(&r, "live_blocks"), 0);
	cr_assert_eq(S(&r, "live_handles"), 0);
	cr_assert_eq(lt_e2e_count_groups(&r, "memory", NULL), 0);
	lt_e2e_free(&native);
	lt_e2e_free(&r);
}

/* Handles are still traced. memcheck: /dev/null open at exit, from
 * leaked_fd. */
Test(alloc, program_with_own_malloc_still_traces_handles, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "own_allocator", NULL, "leak_fd", NULL);
	cr_assert_eq(r.status, 23, "status %d; stderr: %s", r.status, r.err);
	cr_assert(json_is_false(json_object_get(r.report, "memory_traced")));
	cr_assert_eq(S(&r, "leaked_handles"), 1);
	cr_assert_eq(S(&r, "by_kind.fd"), 1);
	cr_assert_not_null(lt_e2e_find_group(&r, "fd", "open", "leaked_fd"), "stderr: %s", r.err);
	lt_e2e_free(&r);
}

/* A program with no allocator of its own: memory is traced, and says so. */
Test(alloc, ordinary_program_reports_memory_traced, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "early_ctor", NULL, NULL);
	cr_assert(json_is_true(json_object_get(r.report, "memory_traced")));
	cr_assert_null(json_object_get(r.report, "memory_note"));
	lt_e2e_free(&r);
}

/* ---- issue 13: memory glibc allocates for the program inside a capture -- */

/* Keys 32 and up keep their slots in a second-level array that glibc's
 * pthread_setspecific callocs; libunwind sets its key (here >= 40) inside
 * the tracer's first capture in each thread, so that calloc came from the
 * private allocator, was never scanned, and the program's values under
 * keys 32-63 came out definitely lost (96 bytes in 2 blocks).
 * memcheck: definitely 0, indirectly 0; still reachable main_store 40,
 * worker_store 56 + 24, and the two 512-byte arrays (from
 * pthread_setspecific); possibly lost 272 in 1 block, the worker's DTV
 * (memcheck does not follow glibc's DTV; leaktrace counts it reachable). */
Test(alloc, tsd_values_under_high_keys_are_reachable, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "tsd_many_keys", NULL, NULL);
	cr_assert_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "tsd_many_keys done\n");
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	assert_group(&r, "still_reachable", "main_store", 40, 1);
	assert_group(&r, "still_reachable", "worker_store", 80, 2);
	assert_group(&r, "still_reachable", "pthread_setspecific", 1024, 2);
	lt_e2e_free(&r);
}

/* ---- issue 13: allocations made before the tracer's constructor ---------- */

/* libearlyctor's constructor runs before the preloaded tracer's (ld.so
 * initialises the program's libraries first): its leak used to be
 * invisible and its registry unscanned, so the block main keeps in it came
 * out definitely lost. memcheck: definitely lost 100 in 1 (early_leak);
 * still reachable 112 in 2 (early_registry_make 64, registry_fill 48). */
Test(alloc, blocks_from_library_constructors_are_traced, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "early_ctor", NULL, NULL);
	cr_assert_eq(r.status, 23, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "early_ctor done\n");
	assert_lost(&r, 100, 1, 0, 0, 0, 0);
	assert_group(&r, "definitely_lost", "early_leak", 100, 1);
	assert_group(&r, "still_reachable", "early_registry_make", 64, 1);
	assert_group(&r, "still_reachable", "registry_fill", 48, 1);
	json_t *g = lt_e2e_find_group(&r, "memory", "definitely_lost", "early_leak");
	cr_assert(lt_e2e_stack_has(g, "early_ctor"));
	cr_assert_eq(S(&r, "unknown_frees"), 0);
	lt_e2e_free(&r);
}

/* ---- issue 18: blocks too big for the live table's 16-byte records ------- */

/* Blocks of 512 KiB and more keep their records in a side table (heap.c):
 * made by malloc, calloc, realloc across the limit and back, and
 * posix_memalign, freed in bulk among small ones, each is reported with
 * its exact size and stack. memcheck: definitely lost 1,835,120 bytes in
 * 4 blocks (big_leak 1,048,576, aligned_leak 786,432, grow_and_leak 64,
 * small_leak 48), still reachable 614,400 in 1 (big_kept; memcheck's
 * __libc_freeres also frees stdout's buffer, which leaktrace reports
 * still reachable from puts). */
Test(alloc, blocks_too_big_to_pack_are_reported_exactly, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "big_blocks", NULL, NULL);
	cr_assert_eq(r.status, 23, "status %d (the gate's 23: leaks); stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "big_blocks done\n");
	assert_lost(&r, 1835120, 4, 0, 0, 0, 0);
	assert_group(&r, "definitely_lost", "big_leak", 1048576, 1);
	assert_group(&r, "definitely_lost", "aligned_leak", 786432, 1);
	assert_group(&r, "definitely_lost", "grow_and_leak", 64, 1);
	assert_group(&r, "definitely_lost", "small_leak", 48, 1);
	assert_group(&r, "still_reachable", "big_kept", 614400, 1);
	cr_assert_eq(S(&r, "unknown_frees"), 0);
	lt_e2e_free(&r);
}
