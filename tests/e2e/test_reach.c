/* End-to-end tests of reachability classification and suppressions: each
 * program's classes and totals asserted exactly. The definitely/indirectly/
 * possibly lost figures were confirmed with valgrind memcheck 3.19
 * (--leak-check=full --show-leak-kinds=all), quoted per test; still
 * reachable totals differ from memcheck's by design (valgrind frees libc's
 * own buffers with __libc_freeres before its scan), so they are asserted
 * per group. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define RUN(r, name, opts, ...)                                                \
	do {                                                                   \
		char *argv_[] = { __VA_ARGS__ };                               \
		cr_assert_eq(lt_e2e_run(&(r), name, opts, argv_), 0, "run %s", name); \
		cr_assert_not_null((r).report, "no report from %s; stderr: %s", name, (r).err); \
	} while (0)

static long long S(const lt_run_t *r, const char *path)
{
	return lt_e2e_summary(r, path);
}

/* definitely, indirectly, possibly lost: bytes and blocks */
static void assert_lost(const lt_run_t *r, long long db, long long dn, long long ib,
			long long in, long long pb, long long pn)
{
	cr_assert_eq(S(r, "by_class.definitely_lost.bytes"), db, "definite bytes; stderr: %s", r->err);
	cr_assert_eq(S(r, "by_class.definitely_lost.blocks"), dn);
	cr_assert_eq(S(r, "by_class.indirectly_lost.bytes"), ib);
	cr_assert_eq(S(r, "by_class.indirectly_lost.blocks"), in);
	cr_assert_eq(S(r, "by_class.possibly_lost.bytes"), pb);
	cr_assert_eq(S(r, "by_class.possibly_lost.blocks"), pn);
	cr_assert_eq(S(r, "by_class.unclassified.blocks"), 0);
	cr_assert(json_is_true(json_object_get(r->report, "classified")));
}

static json_t *group(const lt_run_t *r, const char *cls, const char *fn)
{
	json_t *g = lt_e2e_find_group(r, "memory", cls, fn);
	cr_assert_not_null(g, "no %s group from %s; stderr: %s", cls, fn, r->err);
	return g;
}

/* Totals over every group of that class allocated by fn (its first frame;
 * one function called from two sites makes two groups). */
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

static void assert_no_note(const lt_run_t *r)
{
	cr_assert_null(json_object_get(r->report, "classify_note"), "note: %s",
		       json_string_value(json_object_get(r->report, "classify_note")));
}

/* memcheck: definitely 0, indirectly 0, possibly 0 */
Test(reach, no_leak_is_zero_everywhere, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "reach_no_leak", NULL, NULL);
	cr_assert_eq(r.status, 0);
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	cr_assert_eq(S(&r, "leaked_bytes"), 0);
	cr_assert_eq(S(&r, "leaked_blocks"), 0);
	/* stdio's buffer: still reachable through libc's stdout */
	assert_group(&r, "still_reachable", "_IO_file_doallocate", 4096, 1);
	assert_no_note(&r);
	lt_e2e_free(&r);
}

/* memcheck: 0 lost; still reachable 292 bytes in 6 blocks */
Test(reach, globals_keep_blocks_reachable, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "global_keeps_block", NULL, NULL);
	cr_assert_eq(r.status, 7, "gate must pass: status %d", r.status);
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	cr_assert_eq(S(&r, "leaked_bytes"), 0);
	assert_group(&r, "still_reachable", "keep_one", 100, 1);
	assert_group(&r, "still_reachable", "keep_many", 96, 3);
	assert_group(&r, "still_reachable", "keep_list", 96, 2);
	cr_assert(json_is_false(json_object_get(json_object_get(r.report, "gate"), "failed")));
	lt_e2e_free(&r);
}

/* memcheck: definitely lost 32 in 1, indirectly lost 128 in 4 */
Test(reach, lost_list_head_definite_tail_indirect, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "lost_list", NULL, NULL);
	cr_assert_eq(r.status, 23);
	assert_lost(&r, 32, 1, 128, 4, 0, 0);
	assert_group(&r, "definitely_lost", "make_list", 32, 1);
	assert_group(&r, "indirectly_lost", "make_list", 128, 4);
	cr_assert_eq(S(&r, "leaked_bytes"), 160);
	cr_assert_eq(S(&r, "leaked_blocks"), 5);
	lt_e2e_free(&r);
}

/* memcheck: possibly lost 64 in 1 */
Test(reach, interior_pointer_is_possibly_lost, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "interior_pointer", NULL, NULL);
	assert_lost(&r, 0, 0, 0, 0, 64, 1);
	assert_group(&r, "possibly_lost", "keep_inside", 64, 1);
	/* not counted by default: the gate passes */
	cr_assert_eq(r.status, 0);
	cr_assert_eq(S(&r, "leaked_bytes"), 0);
	lt_e2e_free(&r);
	/* counted on request */
	RUN(r, "interior_pointer", "fail_classes=definite,indirect,possible", NULL);
	cr_assert_eq(r.status, 23);
	cr_assert_eq(S(&r, "leaked_bytes"), 64);
	cr_assert_eq(S(&r, "leaked_blocks"), 1);
	lt_e2e_free(&r);
}

/* memcheck: definitely lost 72 in 2 */
Test(reach, hidden_pointers_are_lost, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "hidden_pointer", NULL, NULL);
	assert_lost(&r, 72, 2, 0, 0, 0, 0);
	assert_group(&r, "definitely_lost", "hide_xor", 40, 1);
	assert_group(&r, "definitely_lost", "hide_split", 32, 1);
	lt_e2e_free(&r);
}

/* memcheck: definitely lost 48 in 1, indirectly lost 96 in 2 */
Test(reach, lost_cycle_has_one_definite_block, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "lost_cycle", NULL, NULL);
	assert_lost(&r, 48, 1, 96, 2, 0, 0);
	cr_assert_eq(S(&r, "leaked_bytes"), 144);
	lt_e2e_free(&r);
}

/* memcheck: definitely lost 1,600,000 in 100,000 */
Test(reach, hundred_thousand_leaks_exact, .timeout = 120)
{
	lt_run_t r;
	RUN(r, "many_leaks", "verbosity=1", NULL);
	assert_lost(&r, 1600000, 100000, 0, 0, 0, 0);
	assert_group(&r, "definitely_lost", "leak_small", 1600000, 100000);
	cr_assert_eq(lt_e2e_count_groups(&r, "memory", "definitely_lost"), 1);
	cr_assert_not_null(strstr(r.err, "reachability: 100000 blocks"), "stderr: %s", r.err);
	lt_e2e_free(&r);
}

/* memcheck: definitely 0, indirectly 0; the 40-byte block still reachable.
 * memcheck also reports the running thread's DTV (272 bytes, allocated by
 * _dl_allocate_tls in pthread_create) as possibly lost, because glibc keeps
 * a pointer to its second word; leaktrace treats the dynamic linker's
 * allocations as roots (LeakSanitizer's rule), so it is still reachable.
 * The same holds for the thread tests below. */
Test(reach, running_thread_stack_is_a_root, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "thread_stack_running", NULL, NULL);
	cr_assert_eq(r.status, 0);
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	assert_group(&r, "still_reachable", "worker", 40, 1);
	assert_no_note(&r);
	lt_e2e_free(&r);
}

/* memcheck: 0 lost; the 48-byte block still reachable */
Test(reach, running_thread_registers_are_roots, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "thread_regs_running", NULL, NULL);
	cr_assert_eq(r.status, 0);
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	assert_group(&r, "still_reachable", "worker", 48, 1);
	assert_no_note(&r);
	lt_e2e_free(&r);
}

/* memcheck: 0 lost; 24 + 56 (tls_store), 72 + 88 (specific_store) */
Test(reach, static_tls_and_specific_slots_are_roots, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "tls_keeps_block", NULL, NULL);
	cr_assert_eq(r.status, 0);
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	assert_group(&r, "still_reachable", "tls_store", 80, 2);
	assert_group(&r, "still_reachable", "specific_store", 160, 2);
	lt_e2e_free(&r);
}

/* memcheck: 0 lost; 40 + 120 from lib_tls_store */
Test(reach, dlopened_library_tls_is_a_root, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "dlopen_tls", NULL, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	assert_group(&r, "still_reachable", "lib_tls_store", 160, 2);
	lt_e2e_free(&r);
}

/* memcheck: definitely lost 800 in 8 */
Test(reach, joined_threads_leaks, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "joined_threads_leak", NULL, NULL);
	cr_assert_eq(r.status, 23);
	assert_lost(&r, 800, 8, 0, 0, 0, 0);
	assert_group(&r, "definitely_lost", "worker_leak", 800, 8);
	lt_e2e_free(&r);
}

/* memcheck: definitely lost 192 in 3 */
Test(reach, dlopened_library_leaks, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "dlopen_leak", NULL, NULL);
	cr_assert_eq(r.status, 23, "stderr: %s", r.err);
	assert_lost(&r, 192, 3, 0, 0, 0, 0);
	assert_group(&r, "definitely_lost", "leaky_alloc", 192, 3);
	lt_e2e_free(&r);
}

/* memcheck: 0 lost (heuristics newarray and multipleinheritance);
 * still reachable 72 (make_array) and 32 (make_derived) */
Test(reach, cxx_heuristics_make_interior_pointers_reachable, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "cpp_heuristics", NULL, NULL);
	cr_assert_eq(r.status, 0);
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	assert_group(&r, "still_reachable", "make_array()", 72, 1);
	assert_group(&r, "still_reachable", "make_derived()", 32, 1);
	lt_e2e_free(&r);
}

/* memcheck: 0 lost */
Test(reach, leak_free_cxx_server_keeps_its_status, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "cpp_clean_server", NULL, NULL);
	cr_assert_eq(r.status, 5, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "served 90 errors 10 keys 90\n");
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	cr_assert_eq(S(&r, "leaked_bytes"), 0);
	lt_e2e_free(&r);
}

/* memcheck: 0 lost; 36 bytes still reachable */
Test(reach, unstoppable_thread_is_scanned_conservatively, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "unstoppable_thread", "stop_timeout_ms=200", NULL);
	cr_assert_eq(r.status, 0);
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	assert_group(&r, "still_reachable", "worker", 36, 1);
	const char *note = json_string_value(json_object_get(r.report, "classify_note"));
	cr_assert_not_null(note);
	cr_assert_not_null(strstr(note, "1 thread(s) could not be stopped"), "note: %s", note);
	lt_e2e_free(&r);
}

/* memcheck (the program dies of SIGUSR1 without the shim, at the same point
 * of its life): 0 lost but pthread_create's 272-byte thread block possibly
 * lost; 40 bytes still reachable in 1 block. The tracer counts the thread
 * block (336 bytes with its DTV, allocated by the loader) as reachable. */
Test(reach, program_handler_on_stop_signal_keeps_threads_stoppable, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "stop_signal_taken", "stop_timeout_ms=300", NULL);
	cr_assert_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	cr_assert_str_eq(r.out, "mine\n");
	cr_assert_eq(r.nreports, 2);
	cr_assert_str_eq(json_string_value(json_object_get(r.report, "reason")), "exit");
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	assert_group(&r, "still_reachable", "main", 40, 1);
	const char *note = json_string_value(json_object_get(r.report, "classify_note"));
	cr_assert_null(note, "note: %s", note);
	/* the debug files the snapshot's symbolizer keeps open are the
	 * tracer's, never descriptors of unknown origin */
	cr_assert_eq(lt_e2e_count_groups(&r, "fd", "open"), 0);
	lt_e2e_free(&r);
}

Test(reach, text_report_titles_and_reachable_hidden_by_default, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "lost_list", "format=both", NULL);
	cr_assert_not_null(strstr(r.err, "Direct leak of 32 byte(s) in 1 object(s) allocated from:"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "Indirect leak of 128 byte(s) in 4 object(s) allocated from:"));
	cr_assert_not_null(strstr(r.err, "SUMMARY: leaktrace: 160 byte(s) leaked in 5 allocation(s)"));
	lt_e2e_free(&r);
	RUN(r, "global_keeps_block", "format=both", NULL);
	cr_assert_null(strstr(r.err, "Still reachable of"), "%s", r.err);
	/* the JSON lists every live group, still reachable ones included */
	cr_assert_eq(lt_e2e_count_groups(&r, "memory", "still_reachable"), 3);
	lt_e2e_free(&r);
	RUN(r, "global_keeps_block", "format=both:show_classes=all", NULL);
	cr_assert_not_null(strstr(r.err, "Still reachable of 100 byte(s) in 1 object(s)"), "%s", r.err);
	lt_e2e_free(&r);
}

static char supp_path[4096];

static const char *supp(const char *name)
{
	const char *root = getenv("LT_SOURCE_ROOT");
	snprintf(supp_path, sizeof supp_path, "suppressions=%s/tests/programs/reach/%s",
		 root ? root : ".", name);
	return supp_path;
}

/* memcheck: definitely lost 80 in 3 (leak_alpha 32 in 2, leak_beta 48 in 1) */
Test(reach, suppression_hides_exactly_the_matching_group, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "suppressed_leaks", NULL, NULL);
	assert_lost(&r, 80, 3, 0, 0, 0, 0);
	lt_e2e_free(&r);

	char opts[4200];
	snprintf(opts, sizeof opts, "%s", supp("alpha.supp"));
	RUN(r, "suppressed_leaks", opts, NULL);
	cr_assert_eq(S(&r, "leaked_bytes"), 48);
	cr_assert_eq(S(&r, "leaked_blocks"), 1);
	cr_assert_eq(S(&r, "suppressed.bytes"), 32);
	cr_assert_eq(S(&r, "suppressed.blocks"), 2);
	json_t *a = lt_e2e_find_group(&r, "memory", NULL, "leak_alpha");
	cr_assert_not_null(a);
	cr_assert(json_is_true(json_object_get(a, "suppressed")));
	cr_assert_str_eq(json_string_value(json_object_get(a, "suppressed_by")), "leak:leak_alpha");
	cr_assert(json_is_false(json_object_get(a, "leaked")));
	json_t *b = group(&r, "definitely_lost", "leak_beta");
	cr_assert_null(json_object_get(b, "suppressed_by"));
	json_t *rules = json_object_get(r.report, "suppressions");
	cr_assert_eq(json_array_size(rules), 1);
	json_t *rule = json_array_get(rules, 0);
	/* two call sites in main: two groups */
	cr_assert_eq(json_integer_value(json_object_get(rule, "hits")), 2);
	cr_assert_eq(json_integer_value(json_object_get(rule, "bytes")), 32);
	cr_assert_eq(json_integer_value(json_object_get(rule, "blocks")), 2);
	cr_assert_eq(json_integer_value(json_object_get(rule, "line")), 2);
	lt_e2e_free(&r);
}

Test(reach, several_files_stale_rules_and_malformed_lines, .timeout = 60)
{
	lt_run_t r;
	const char *root = getenv("LT_SOURCE_ROOT");
	char opts[9000];
	snprintf(opts, sizeof opts,
		 "suppressions=%s/tests/programs/reach/alpha.supp,%s/tests/programs/reach/mixed.supp:show_suppressed=1:format=both",
		 root ? root : ".", root ? root : ".");
	RUN(r, "suppressed_leaks", opts, NULL);
	/* both sites hidden: the gate passes */
	cr_assert_eq(r.status, 0, "status %d; stderr %s", r.status, r.err);
	cr_assert_eq(S(&r, "leaked_bytes"), 0);
	cr_assert_eq(S(&r, "suppressed.bytes"), 80);
	cr_assert_eq(S(&r, "suppressed.blocks"), 3);
	cr_assert_not_null(strstr(r.err, "mixed.supp:3: malformed suppression \"this line is malformed\""),
			   "stderr: %s", r.err);
	json_t *rules = json_object_get(r.report, "suppressions");
	cr_assert_eq(json_array_size(rules), 3);
	/* the stale rule shows zero hits so it can be pruned */
	json_t *stale = json_array_get(rules, 1);
	cr_assert_str_eq(json_string_value(json_object_get(stale, "rule")), "leak:no_such_function_anywhere");
	cr_assert_eq(json_integer_value(json_object_get(stale, "hits")), 0);
	json_t *wild = json_array_get(rules, 2);
	cr_assert_eq(json_integer_value(json_object_get(wild, "bytes")), 48);
	/* listed with the rule that matched, when asked */
	cr_assert_not_null(strstr(r.err, "(suppressed by leak:^leak_b*a$)"), "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.err, "Suppressions used:"));
	lt_e2e_free(&r);
}

/* memcheck: definitely lost 24 in 1 */
Test(reach, malloc_arena_pointers_do_not_rescue_a_leak, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "arena_top_pointer", NULL, NULL);
	cr_assert_eq(r.status, 23);
	assert_lost(&r, 24, 1, 0, 0, 0, 0);
	lt_e2e_free(&r);
}

/* memcheck (--errors-for-leak-kinds=all): still reachable 292 in 6 */
Test(reach, fail_classes_can_count_still_reachable, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "global_keeps_block", "fail_classes=definite,indirect,reachable", NULL);
	cr_assert_eq(r.status, 23);
	cr_assert_eq(S(&r, "leaked_bytes"), 292);
	cr_assert_eq(S(&r, "leaked_blocks"), 6);
	json_t *counted = json_object_get(json_object_get(r.report, "gate"), "counted_classes");
	cr_assert_eq(json_array_size(counted), 3);
	lt_e2e_free(&r);
}

/* memcheck: 0 lost; still reachable 12288 + 56 from make_guarded */
Test(reach, guard_page_inside_a_block_is_skipped, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "guard_page_block", NULL, NULL);
	cr_assert_eq(r.status, 0, "status %d; stderr: %s", r.status, r.err);
	assert_lost(&r, 0, 0, 0, 0, 0, 0);
	assert_group(&r, "still_reachable", "make_guarded", 12288 + 56, 2);
	lt_e2e_free(&r);
}

/* Blocks on PROT_NONE pages (issue 12): the scan reads no unreadable word
 * and, like memcheck, ignores pointers to unreadable addresses. The
 * original tree died of SIGSEGV here (heuristic() read the first word of a
 * block reached by an interior pointer; blocks under 4 KiB were scanned
 * without a check).
 * memcheck: definitely lost 196,768 in 7, indirectly 0, possibly 0,
 * still reachable 0 */
Test(reach, prot_none_blocks_are_never_read, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "prot_none_block", NULL, NULL);
	cr_assert_eq(r.status, 23, "status %d; stderr: %s", r.status, r.err);
	assert_lost(&r, 196768, 7, 0, 0, 0, 0);
	assert_group(&r, "definitely_lost", "aligned", 3 * 65536 + 64, 4);
	assert_group(&r, "definitely_lost", "make_kept_big", 48, 1);
	assert_group(&r, "definitely_lost", "make_small", 32, 1);
	assert_group(&r, "definitely_lost", "make_lost_big", 16, 1);
	cr_assert_eq(S(&r, "by_class.still_reachable.blocks"), 0);
	assert_no_note(&r);
	lt_e2e_free(&r);
}

/* Threads inside dl_iterate_phdr callbacks that malloc and free while main
 * exits (issue 13): the exit report must not take the loader's lock while
 * it holds the heap locks. The original tree deadlocked in about half the
 * runs (the timeout fails the test).
 * memcheck: definitely lost 77 in 1, indirectly 0; possibly lost 816 in 3
 * (the running threads' DTVs, which leaktrace counts as reachable: they
 * come from the dynamic linker) */
Test(reach, dl_iterate_phdr_callbacks_at_exit_do_not_deadlock, .timeout = 120)
{
	lt_run_t r;
	for (int i = 0; i < 4; i++) {
		RUN(r, "dl_iterate_free", NULL, NULL);
		cr_assert_eq(r.status, 23, "status %d; stderr: %s", r.status, r.err);
		assert_lost(&r, 77, 1, 0, 0, 0, 0);
		assert_group(&r, "definitely_lost", "main_leak", 77, 1);
		lt_e2e_free(&r);
	}
}

/* Anonymous private writable mappings are roots (issue 13, item 3): a
 * registry kept in mmap'd memory holds the only pointers to ten blocks and
 * a two-block list. The original tree called all twelve definitely lost
 * (10,064 bytes).
 * memcheck: definitely lost 123 in 1 (really_lost), indirectly 0,
 * possibly 0; still reachable 10,064 in 12 */
Test(reach, anonymous_mappings_are_roots, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "anon_mmap_roots", NULL, NULL);
	cr_assert_eq(r.status, 23, "status %d; stderr: %s", r.status, r.err);
	assert_lost(&r, 123, 1, 0, 0, 0, 0);
	assert_group(&r, "definitely_lost", "really_lost", 123, 1);
	assert_group(&r, "still_reachable", "fill_registry", 10000, 10);
	assert_group(&r, "still_reachable", "keep_list", 64, 2);
	assert_no_note(&r);
	lt_e2e_free(&r);
}
