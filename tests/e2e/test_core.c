/* End-to-end tests of the core tracer: known leaks in small programs, the
 * report's numbers and stacks, the gate and exit status, C++ and libc
 * allocations, threads. Expected figures come from each program's code and
 * were confirmed with valgrind memcheck (quoted in the program's header). */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

#define RUN(r, name, opts, ...)                                                \
	do {                                                                   \
		char *argv_[] = { __VA_ARGS__ };                               \
		cr_assert_eq(lt_e2e_run(&(r), name, opts, argv_), 0, "run %s", name); \
	} while (0)

static json_t *group_at(lt_run_t *r, const char *fn)
{
	json_t *g = lt_e2e_find_group(r, "memory", NULL, fn);
	cr_assert_not_null(g, "no memory group with %s in its stack; stderr: %s", fn, r->err);
	return g;
}

/* the first frame is the caller of malloc: no tracer or allocator frames */
static void assert_first_frame(json_t *g, const char *fn)
{
	const char *f0 = lt_e2e_frame_function(g, 0);
	cr_assert(f0 && !strcmp(f0, fn), "first frame is %s, expected %s", f0 ? f0 : "(null)", fn);
}

Test(core, report_has_contract_fields, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "call_sites", NULL, NULL);
	cr_assert_eq(r.nreports, 1);
	json_t *j = r.report;
	cr_assert_str_eq(json_string_value(json_object_get(j, "tool")), "leaktrace");
	cr_assert(json_is_string(json_object_get(j, "version")));
	cr_assert_eq(json_integer_value(json_object_get(j, "format_version")), 1);
	cr_assert(json_integer_value(json_object_get(j, "pid")) > 0);
	cr_assert(strstr(json_string_value(json_object_get(j, "exe")), "call_sites"));
	cr_assert_str_eq(json_string_value(json_object_get(j, "reason")), "exit");
	cr_assert_eq(json_integer_value(json_object_get(j, "sequence")), 0);
	const char *classes[] = { "definitely_lost", "indirectly_lost", "possibly_lost",
				  "still_reachable" };
	for (int i = 0; i < 4; i++) {
		char p[64];
		snprintf(p, sizeof p, "by_class.%s.bytes", classes[i]);
		cr_assert_geq(lt_e2e_summary(&r, p), 0, "%s missing", p);
	}
	cr_assert_geq(lt_e2e_summary(&r, "suppressed.bytes"), 0);
	cr_assert_geq(lt_e2e_summary(&r, "suppressed.handles"), 0);
	cr_assert_geq(lt_e2e_summary(&r, "leaked_handles"), 0);
	json_t *g = group_at(&r, "make_a");
	json_t *f = json_array_get(json_object_get(g, "stack"), 0);
	cr_assert(json_is_string(json_object_get(f, "address")));
	cr_assert(strstr(json_string_value(json_object_get(f, "file")), "call_sites.c"));
	cr_assert(strstr(json_string_value(json_object_get(f, "module")), "call_sites"));
	cr_assert_eq(json_integer_value(json_object_get(f, "line")), 12);
	lt_e2e_free(&r);
}

Test(core, call_sites_grouped_by_stack, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "call_sites", NULL, NULL);
	json_t *a = group_at(&r, "make_a");
	cr_assert_eq(lt_e2e_group_bytes(a), 300);
	cr_assert_eq(lt_e2e_group_count(a), 3);
	assert_first_frame(a, "make_a");
	cr_assert(lt_e2e_stack_has(a, "main"));
	json_t *b = group_at(&r, "make_b");
	cr_assert_eq(lt_e2e_group_bytes(b), 256);
	cr_assert_eq(lt_e2e_group_count(b), 1);
	json_t *c = group_at(&r, "make_c");
	cr_assert_eq(lt_e2e_group_bytes(c), 80);
	cr_assert_eq(lt_e2e_group_count(c), 1);
	cr_assert_null(lt_e2e_find_group(&r, "memory", NULL, "not_leaked"));
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 636);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_blocks"), 5);
	/* largest first */
	json_t *first = json_array_get(json_object_get(r.report, "leaks"), 0);
	cr_assert(lt_e2e_stack_has(first, "make_a"));
	cr_assert_eq(r.status, 23, "gate exit status %d", r.status);
	cr_assert_str_eq(r.out, "done\n");
	lt_e2e_free(&r);
}

Test(core, realloc_chain_is_one_block_at_last_realloc, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "realloc_chain", NULL, NULL);
	json_t *g = group_at(&r, "leak_chain");
	cr_assert_eq(lt_e2e_group_bytes(g), 1000);
	cr_assert_eq(lt_e2e_group_count(g), 1);
	assert_first_frame(g, "grow");
	cr_assert_null(lt_e2e_find_group(&r, "memory", NULL, "shrink"));
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 1000);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_blocks"), 1);
	lt_e2e_free(&r);
}

Test(core, aligned_allocations, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "aligned", NULL, NULL);
	struct { const char *fn; long long bytes; } want[] = {
		{ "leak_posix_memalign", 128 }, { "leak_aligned_alloc", 512 },
		{ "leak_memalign", 96 }, { "leak_valloc", 100 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		json_t *g = group_at(&r, want[i].fn);
		cr_assert_eq(lt_e2e_group_bytes(g), want[i].bytes, "%s", want[i].fn);
		cr_assert_eq(lt_e2e_group_count(g), 1);
		assert_first_frame(g, want[i].fn);
	}
	cr_assert_null(lt_e2e_find_group(&r, "memory", NULL, "freed_pvalloc"));
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 836);
	lt_e2e_free(&r);
}

Test(core, libc_strdup_and_getline, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "libc_allocs", NULL, NULL);
	json_t *s = group_at(&r, "dup_name");
	cr_assert_eq(lt_e2e_group_bytes(s), 6);
	cr_assert_eq(lt_e2e_group_count(s), 1);
	json_t *l = group_at(&r, "read_line");
	cr_assert_eq(lt_e2e_group_bytes(l), 120);
	cr_assert_eq(lt_e2e_group_count(l), 1);
	/* libc's frame is kept: getline's getdelim is the caller of malloc,
	 * named by its public name, not glibc's internal alias __getdelim */
	cr_assert_str_eq(lt_e2e_frame_function(l, 0), "getdelim");
	cr_assert_str_eq(lt_e2e_frame_function(s, 0), "strdup");
	lt_e2e_free(&r);
}

Test(core, threads_leaks_summed_per_stack, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "threads_leak", NULL, NULL);
	json_t *g = group_at(&r, "worker");
	cr_assert_eq(lt_e2e_group_bytes(g), 512);
	cr_assert_eq(lt_e2e_group_count(g), 8);
	assert_first_frame(g, "worker");
	lt_e2e_free(&r);
}

Test(core, cpp_new_seen_first_frame_is_caller, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "cpp_leak", NULL, NULL);
	json_t *s = group_at(&r, "make_session()");
	cr_assert_eq(lt_e2e_group_bytes(s), 48);
	cr_assert_eq(lt_e2e_group_count(s), 1);
	assert_first_frame(s, "make_session()");
	json_t *a = group_at(&r, "make_array()");
	cr_assert_eq(lt_e2e_group_bytes(a), 40);
	assert_first_frame(a, "make_array()");
	cr_assert_null(lt_e2e_find_group(&r, "memory", NULL, "make_and_delete()"));
	cr_assert_eq(r.status, 23);
	lt_e2e_free(&r);
}

Test(core, no_leak_reports_zero_and_keeps_status, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "no_leak", NULL, NULL);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 0, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_blocks"), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "ok\n");
	lt_e2e_free(&r);
}

Test(core, unknown_frees_pass_through_and_are_counted, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "unknown_free", NULL, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "ok\n");
	cr_assert_geq(lt_e2e_summary(&r, "unknown_frees"), 2);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 0);
	lt_e2e_free(&r);
}

Test(core, gate_exit_status, .timeout = 60)
{
	lt_run_t r;
	/* no leak: the program's own status, returned from main or exit() */
	RUN(r, "gate_status", NULL, "clean", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert_str_eq(r.out, "bye\n");
	lt_e2e_free(&r);
	RUN(r, "gate_status", NULL, "clean", "exit", NULL);
	cr_assert_eq(r.status, 3);
	lt_e2e_free(&r);
	/* a leak: the gate's status, and stdout still flushed */
	RUN(r, "gate_status", NULL, "leak", NULL);
	cr_assert_eq(r.status, 23);
	cr_assert_str_eq(r.out, "bye\n");
	cr_assert(json_is_true(json_object_get(json_object_get(r.report, "gate"), "failed")));
	lt_e2e_free(&r);
	RUN(r, "gate_status", "exitcode=42", "leak", "exit", NULL);
	cr_assert_eq(r.status, 42);
	lt_e2e_free(&r);
	/* exitcode=0 turns the gate off */
	RUN(r, "gate_status", "exitcode=0", "leak", NULL);
	cr_assert_eq(r.status, 3);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 40);
	lt_e2e_free(&r);
	/* a threshold above the leak passes */
	RUN(r, "gate_status", "leak_threshold=40", "leak", NULL);
	cr_assert_eq(r.status, 3);
	lt_e2e_free(&r);
	RUN(r, "gate_status", "leak_threshold=39", "leak", NULL);
	cr_assert_eq(r.status, 23);
	lt_e2e_free(&r);
	/* the gate can ignore memory */
	RUN(r, "gate_status", "fail_on=handles", "leak", NULL);
	cr_assert_eq(r.status, 3);
	lt_e2e_free(&r);
}

Test(core, bad_options_warn_and_run_on, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "gate_status", "depth=banana:nosuchkey=1:format=json", "leak", NULL);
	cr_assert_eq(r.status, 23);
	cr_assert(strstr(r.err, "leaktrace: warning: option depth=banana: expected an integer from 0 to 64; using 16"),
		  "stderr: %s", r.err);
	cr_assert(strstr(r.err, "leaktrace: warning: unknown option 'nosuchkey'"), "stderr: %s", r.err);
	json_t *g = group_at(&r, "leak_it");
	cr_assert_eq(lt_e2e_group_bytes(g), 40);
	lt_e2e_free(&r);
}

Test(core, depth_limits_stack, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "call_sites", "depth=2", NULL);
	json_t *g = group_at(&r, "make_a");
	cr_assert_eq(json_array_size(json_object_get(g, "stack")), 2);
	cr_assert_str_eq(lt_e2e_frame_function(g, 1), "main");
	lt_e2e_free(&r);
}

Test(core, text_report_format, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "call_sites", "format=text:output=stderr", NULL);
	cr_assert(strstr(r.err, "of 300 byte(s) in 3 object(s) allocated from:\n    #0 0x"),
		  "stderr: %s", r.err);
	cr_assert(strstr(r.err, " in make_a "));
	cr_assert(strstr(r.err, "call_sites.c:12 "));
	cr_assert(strstr(r.err, "\nSUMMARY: leaktrace: 636 byte(s) leaked in 5 allocation(s); 0 handle(s) leaked.\n"),
		  "stderr: %s", r.err);
	lt_e2e_free(&r);
}

Test(core, output_pattern_and_permissions, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "call_sites", NULL, NULL);
	/* the harness's output pattern is DIR/r.%p.%n.json: pid and sequence */
	char path[512];
	snprintf(path, sizeof path, "%s/r.%lld.0.json", r.dir,
		 (long long)json_integer_value(json_object_get(r.report, "pid")));
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "%s", path);
	cr_assert_eq(st.st_mode & 0777, 0600);
	lt_e2e_free(&r);
}

Test(core, example_server_leaks_exact, .timeout = 60)
{
	/* memcheck: definitely lost 384 bytes in 4 blocks (new_request_ctx),
	 * still reachable 320 bytes in 5 blocks (pool_add); --track-fds: one
	 * accepted socket left open (main, the accept call) */
	lt_run_t r;
	RUN(r, "example_server", NULL, NULL);
	cr_assert_eq(r.status, 23);
	cr_assert_str_eq(r.out, "example server: served 5 connections, 5 sessions in the pool\n");
	json_t *ctx = lt_e2e_find_group(&r, "memory", "definitely_lost", "new_request_ctx");
	cr_assert_not_null(ctx, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_group_bytes(ctx), 384);
	cr_assert_eq(lt_e2e_group_count(ctx), 4);
	assert_first_frame(ctx, "new_request_ctx");
	json_t *f0 = json_array_get(json_object_get(ctx, "stack"), 0);
	cr_assert_eq(json_integer_value(json_object_get(f0, "line")), 85);
	cr_assert(strstr(json_string_value(json_object_get(f0, "file")),
			 "tests/programs/core/example_server.c"));
	json_t *pool = lt_e2e_find_group(&r, "memory", "still_reachable", "pool_add");
	cr_assert_not_null(pool);
	cr_assert_eq(lt_e2e_group_bytes(pool), 320);
	cr_assert_eq(lt_e2e_group_count(pool), 5);
	cr_assert(json_is_false(json_object_get(pool, "leaked")));
	json_t *sock = lt_e2e_find_group(&r, "socket", "open", "main");
	cr_assert_not_null(sock);
	cr_assert_eq(lt_e2e_group_count(sock), 1);
	json_t *h = json_array_get(json_object_get(sock, "handles"), 0);
	cr_assert_str_eq(json_string_value(json_object_get(h, "tcp_state")), "CLOSE_WAIT");
	cr_assert_str_eq(json_string_value(json_object_get(h, "family")), "inet");
	json_t *s0 = json_array_get(json_object_get(sock, "stack"), 0);
	cr_assert_eq(json_integer_value(json_object_get(s0, "line")), 209);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 384);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_blocks"), 4);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "by_class.definitely_lost.bytes"), 384);
	cr_assert_eq(lt_e2e_summary(&r, "by_class.indirectly_lost.bytes"), 0);
	lt_e2e_free(&r);
}

Test(core, leaks_are_definitely_lost, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "call_sites", NULL, NULL);
	cr_assert_not_null(lt_e2e_find_group(&r, "memory", "definitely_lost", "make_a"));
	cr_assert_eq(lt_e2e_summary(&r, "by_class.definitely_lost.bytes"), 636);
	cr_assert_eq(lt_e2e_summary(&r, "by_class.definitely_lost.blocks"), 5);
	cr_assert_eq(lt_e2e_summary(&r, "by_class.possibly_lost.bytes"), 0);
	json_t *g = lt_e2e_find_group(&r, "memory", NULL, "make_a");
	cr_assert(json_is_true(json_object_get(g, "leaked")));
	lt_e2e_free(&r);
}

Test(core, cpp_leak_free_keeps_status_under_gate, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "cpp_no_leak", NULL, NULL);
	cr_assert_eq(r.status, 5, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 0);
	cr_assert_eq(lt_e2e_summary(&r, "by_class.possibly_lost.bytes"), 0);
	cr_assert_str_eq(r.out, "ok\n");
	lt_e2e_free(&r);
}

Test(core, program_closing_every_fd_still_traced, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "close_all_fds", NULL, NULL);
	cr_assert_eq(r.status, 23, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "ok\n");
	json_t *g = group_at(&r, "leak_after_close");
	cr_assert_eq(lt_e2e_group_bytes(g), 33);
	assert_first_frame(g, "leak_after_close");
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 33);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	lt_e2e_free(&r);
}
