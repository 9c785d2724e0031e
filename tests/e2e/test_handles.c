/* End-to-end tests of handle tracking: descriptors, sockets (with CLOSE_WAIT),
 * stdio and directory streams, io_uring rings/buffers/files, kqueue filters
 * (against the tests' kqueue double), reconciliation with /proc/self/fd, the
 * handle gate and its narrowing option.
 *
 * Expected figures come from each program's code (see its header) and were
 * checked against `valgrind --track-fds=yes` (which lists every open
 * descriptor at exit, inherited 0/1/2 included) and ls -l /proc/PID/fd:
 *   close_wait_client  valgrind: 4 open at exit = 0,1,2 + the client socket
 *                      (ss: CLOSE-WAIT); leaktrace: 1 socket, CLOSE_WAIT
 *   accept_leak_server valgrind: 6 = 0,1,2 + 3 accepted sockets (CLOSE-WAIT)
 *   pipe_dup_leak      valgrind: 7 = 0,1,2 + pipe read end, dup, dup2, fcntl copies
 *   event_fds_leak     valgrind: 6 = 0,1,2 + epoll, eventfd, timerfd
 *   fopen_leak         valgrind: 4 = 0,1,2 + /etc/hostname
 *   opendir_leak       valgrind: 4 = 0,1,2 + /tmp
 *   closes_all         valgrind: 3 = 0,1,2 only
 *   kqueue_leak        valgrind: 4 = 0,1,2 + the kqueue (the double's epoll fd)
 * valgrind cannot run io_uring programs (it does not implement the
 * io_uring system calls); their figures come from /proc/PID/fd. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define RUN(r, name, opts)                                                     \
	do {                                                                   \
		cr_assert_eq(lt_e2e_run(&(r), name, opts, NULL), 0, "run %s", name); \
		cr_assert_not_null((r).report, "%s wrote no report; stderr: %s", name, (r).err); \
	} while (0)

/* A program that needs io_uring: skip (with the reason) when it was not
 * built (no liburing) or the kernel refuses io_uring (exit 77). */
#define RUN_URING(r, name, opts)                                               \
	do {                                                                   \
		if (!lt_e2e_program(name))                                     \
			cr_skip_test("%s not built: liburing missing", name);  \
		cr_assert_eq(lt_e2e_run(&(r), name, opts, NULL), 0, "run %s", name); \
		if ((r).status == 77)                                          \
			cr_skip_test("io_uring unavailable here: %s", (r).err); \
		cr_assert_not_null((r).report, "%s wrote no report; stderr: %s", name, (r).err); \
	} while (0)

/* The handles gate alone: memory is another test's business. */
#define HANDLES_ONLY "fail_on=handles"

static json_t *hgroup(lt_run_t *r, const char *kind, const char *fn)
{
	json_t *g = lt_e2e_find_group(r, kind, "open", fn);
	cr_assert_not_null(g, "no %s group with %s in its stack; stderr: %s", kind,
			   fn ? fn : "(any)", r->err);
	return g;
}

static json_t *handle_at(json_t *g, size_t i)
{
	json_t *h = json_array_get(json_object_get(g, "handles"), i);
	cr_assert_not_null(h, "group has no handle %zu", i);
	return h;
}

static const char *hstr(json_t *h, const char *key)
{
	return json_string_value(json_object_get(h, key));
}

static long long hint(json_t *h, const char *key)
{
	json_t *v = json_object_get(h, key);
	return v ? json_integer_value(v) : -1;
}

static void assert_first_frame(json_t *g, const char *fn)
{
	const char *f0 = lt_e2e_frame_function(g, 0);
	cr_assert(f0 && !strcmp(f0, fn), "first frame is %s, expected %s", f0 ? f0 : "(null)", fn);
}

/* The creating frame names the program's own source line. */
static void assert_first_line(json_t *g, int line)
{
	json_t *f = json_array_get(json_object_get(g, "stack"), 0);
	cr_assert_eq(json_integer_value(json_object_get(f, "line")), line,
		     "first frame at line %lld, expected %d",
		     (long long)json_integer_value(json_object_get(f, "line")), line);
}

static long long total_handle_groups(lt_run_t *r)
{
	long long n = 0;
	json_t *leaks = json_object_get(r->report, "leaks");
	for (size_t i = 0; i < json_array_size(leaks); i++) {
		const char *k = json_string_value(json_object_get(json_array_get(leaks, i), "kind"));
		if (strcmp(k, "memory"))
			n++;
	}
	return n;
}

/* ---- sockets ------------------------------------------------------------- */

Test(handles, close_wait_client, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "close_wait_client", HANDLES_ONLY);
	cr_assert_str_eq(r.out, "read 0\n");
	cr_assert_eq(r.status, 23, "status %d; stderr: %s", r.status, r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.socket"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "unknown_handles"), 0);
	cr_assert_eq(total_handle_groups(&r), 1);
	json_t *g = hgroup(&r, "socket", "connect_client");
	cr_assert_eq(lt_e2e_group_count(g), 1);
	assert_first_frame(g, "connect_client");
	assert_first_line(g, 14);
	json_t *h = handle_at(g, 0);
	cr_assert_str_eq(hstr(h, "family"), "inet");
	cr_assert_str_eq(hstr(h, "type"), "stream");
	cr_assert_str_eq(hstr(h, "tcp_state"), "CLOSE_WAIT");
	cr_assert_str_eq(hstr(h, "note"), "peer closed; never closed here");
	cr_assert(!strncmp(hstr(h, "local"), "127.0.0.1:", 10));
	cr_assert(!strncmp(hstr(h, "peer"), "127.0.0.1:", 10));
	cr_assert(hint(h, "fd") >= 3);
	lt_e2e_free(&r);
}

Test(handles, accept_loop_leaks_accepted_sockets, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "accept_leak_server", HANDLES_ONLY);
	cr_assert_str_eq(r.out, "handled 3\n");
	cr_assert_eq(r.status, 23);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 3);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.socket"), 3);
	cr_assert_eq(total_handle_groups(&r), 1);
	json_t *g = hgroup(&r, "socket", "serve_one");
	cr_assert_eq(lt_e2e_group_count(g), 3);
	assert_first_frame(g, "serve_one");
	assert_first_line(g, 17);
	cr_assert_eq(json_array_size(json_object_get(g, "handles")), 3);
	for (size_t i = 0; i < 3; i++) {
		json_t *h = handle_at(g, i);
		/* the clients closed: every accepted socket sits in CLOSE_WAIT */
		cr_assert_str_eq(hstr(h, "tcp_state"), "CLOSE_WAIT");
		cr_assert_str_eq(hstr(h, "note"), "peer closed; never closed here");
	}
	lt_e2e_free(&r);
}

/* ---- descriptors ----------------------------------------------------------- */

Test(handles, pipe_and_dup_leaks, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "pipe_dup_leak", HANDLES_ONLY);
	cr_assert_eq(r.status, 23);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 4);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.fd"), 4);
	cr_assert_eq(lt_e2e_count_groups(&r, "fd", "open"), 4);
	json_t *g = hgroup(&r, "fd", "make_pipe");
	assert_first_frame(g, "make_pipe");
	assert_first_line(g, 17);
	cr_assert_str_eq(hstr(handle_at(g, 0), "what"), "pipe");
	g = hgroup(&r, "fd", "dup_it");
	assert_first_frame(g, "dup_it");
	assert_first_line(g, 27);
	cr_assert_str_eq(hstr(handle_at(g, 0), "path"), "/dev/null");
	/* dup2 onto an open descriptor: the open() of /dev/zero was released
	 * by it, the descriptor now belongs to the dup2 call */
	g = hgroup(&r, "fd", "dup2_over");
	assert_first_frame(g, "dup2_over");
	assert_first_line(g, 37);
	cr_assert_str_eq(hstr(handle_at(g, 0), "path"), "/dev/null");
	g = hgroup(&r, "fd", "fcntl_dup");
	assert_first_line(g, 46);
	cr_assert_geq(hint(handle_at(g, 0), "fd"), 20);
	lt_e2e_free(&r);
}

Test(handles, epoll_eventfd_timerfd_leaks, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "event_fds_leak", HANDLES_ONLY);
	cr_assert_eq(r.status, 23);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 3);
	cr_assert_eq(lt_e2e_count_groups(&r, "fd", "open"), 3);
	cr_assert_str_eq(hstr(handle_at(hgroup(&r, "fd", "make_epoll"), 0), "what"), "epoll");
	cr_assert_str_eq(hstr(handle_at(hgroup(&r, "fd", "make_eventfd"), 0), "what"), "eventfd");
	cr_assert_str_eq(hstr(handle_at(hgroup(&r, "fd", "make_timerfd"), 0), "what"), "timerfd");
	lt_e2e_free(&r);
}

/* A failed gate says why on stderr, in one line, also with format=json (the
 * report is then in a file): event_fds_leak leaks fds 3, 4, 5 (valgrind
 * --track-fds=yes: 6 open at exit = 0,1,2 + epoll, eventfd, timerfd; its
 * printf evaluates make_timerfd first, so fd 3 is the timerfd). */
Test(handles, gate_failure_says_why_on_stderr, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "event_fds_leak", HANDLES_ONLY);
	cr_assert_eq(r.status, 23);
	char want[1024];
	snprintf(want, sizeof want,
		 "leaktrace: gate failed: 3 handle(s) > handle_threshold 0 (fd 3 timerfd, fd 4 eventfd, "
		 "fd 5 epoll); exit 23; report: %s/r.%lld.0.json\n",
		 r.dir, (long long)json_integer_value(json_object_get(r.report, "pid")));
	cr_assert_str_eq(r.err, want);
	lt_e2e_free(&r);
	/* memory and handles together; a pipe's two ends share a range */
	RUN(r, "pipe_dup_leak", "handle_threshold=3");
	cr_assert_eq(r.status, 23);
	cr_assert_not_null(strstr(r.err, "leaktrace: gate failed: 4 handle(s) > handle_threshold 3 ("),
			   "stderr: %s", r.err);
	lt_e2e_free(&r);
	/* a gate that passes says nothing */
	RUN(r, "event_fds_leak", HANDLES_ONLY ":handle_threshold=3");
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.err, "");
	lt_e2e_free(&r);
}

/* A long-lived handle is suppressed in one line, by what it is (handle:epoll
 * matches the description "epoll"; a socket reads "socket inet stream LOCAL
 * PEER STATE", a file "file PATH") or by a frame; a CLOSE_WAIT socket is
 * a leak whatever it is and never matches by description. */
static char supp_opt[4096];

static const char *handle_supp(const char *name)
{
	const char *root = getenv("LT_SOURCE_ROOT");
	snprintf(supp_opt, sizeof supp_opt, HANDLES_ONLY ":suppressions=%s/tests/programs/handles/%s",
		 root ? root : ".", name);
	return supp_opt;
}

Test(handles, one_line_suppresses_a_long_lived_handle, .timeout = 60)
{
	lt_run_t r;
	/* event_fds_leak: epoll, eventfd, timerfd (valgrind: 6 open = 0,1,2 + 3) */
	RUN(r, "event_fds_leak", handle_supp("longlived.supp"));
	cr_assert_eq(r.status, 23, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "suppressed.handles"), 2);
	cr_assert_str_eq(hstr(handle_at(hgroup(&r, "fd", "make_eventfd"), 0), "what"), "eventfd");
	json_t *rules = json_object_get(r.report, "suppressions");
	cr_assert_eq(json_array_size(rules), 2);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(rules, 0), "rule")),
			 "handle:epoll");
	cr_assert_eq(json_integer_value(json_object_get(json_array_get(rules, 0), "handles")), 1);
	lt_e2e_free(&r);
	/* by a frame of its stack */
	RUN(r, "event_fds_leak", handle_supp("byframe.supp"));
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 2);
	cr_assert_eq(lt_e2e_summary(&r, "suppressed.handles"), 1);
	lt_e2e_free(&r);
	/* close_wait_client: one socket in CLOSE_WAIT (ss: CLOSE-WAIT) stays a leak */
	RUN(r, "close_wait_client", handle_supp("sockets.supp"));
	cr_assert_eq(r.status, 23);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "suppressed.handles"), 0);
	lt_e2e_free(&r);
}

/* ---- streams ----------------------------------------------------------------- */

Test(handles, fopen_without_fclose, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "fopen_leak", HANDLES_ONLY);
	cr_assert_str_eq(r.out, "opened\n");
	cr_assert_eq(r.status, 23);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.file"), 1);
	/* the FILE's descriptor is not reported a second time, as fd or unknown */
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.fd"), -1);
	cr_assert_eq(lt_e2e_summary(&r, "unknown_handles"), 0);
	cr_assert_eq(total_handle_groups(&r), 1);
	json_t *g = hgroup(&r, "file", "open_config");
	assert_first_frame(g, "open_config");
	assert_first_line(g, 13);
	json_t *h = handle_at(g, 0);
	cr_assert_str_eq(hstr(h, "path"), "/etc/hostname");
	cr_assert(hint(h, "fd") >= 3);
	lt_e2e_free(&r);
}

Test(handles, opendir_without_closedir, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "opendir_leak", HANDLES_ONLY);
	cr_assert_eq(r.status, 23);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.dir"), 1);
	cr_assert_eq(total_handle_groups(&r), 1);
	json_t *g = hgroup(&r, "dir", "scan_dir");
	assert_first_line(g, 10);
	json_t *h = handle_at(g, 0);
	cr_assert_str_eq(hstr(h, "path"), "/tmp");
	cr_assert_str_eq(hstr(h, "what"), "directory");
	lt_e2e_free(&r);
}

/* ---- nothing leaked ------------------------------------------------------------ */

Test(handles, closes_everything_reports_zero, .timeout = 60)
{
	lt_run_t r;
	/* the default gate (memory and handles): a clean program passes it */
	RUN(r, "closes_all", NULL);
	cr_assert_str_eq(r.out, "all closed\n");
	cr_assert_eq(r.status, 0, "gate failed: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	cr_assert_eq(lt_e2e_summary(&r, "live_handles"), 0);
	cr_assert_eq(lt_e2e_summary(&r, "unknown_handles"), 0);
	cr_assert_eq(total_handle_groups(&r), 0);
	cr_assert_eq(json_is_false(json_object_get(json_object_get(r.report, "gate"), "failed")), 1);
	lt_e2e_free(&r);
}

/* ---- reconciliation with /proc/self/fd ---------------------------------------- */

Test(handles, untraced_descriptors_are_unknown_and_not_gated, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "raw_fd_unknown", HANDLES_ONLY);
	cr_assert_eq(r.status, 0, "gate failed: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	/* the raw eventfd; the raw-closed /dev/null is dropped, never listed */
	cr_assert_eq(lt_e2e_summary(&r, "unknown_handles"), 1);
	cr_assert_eq(total_handle_groups(&r), 1);
	json_t *g = hgroup(&r, "fd", NULL);
	cr_assert_str_eq(json_string_value(json_object_get(g, "origin")), "unknown");
	cr_assert(json_is_false(json_object_get(g, "leaked")));
	cr_assert_str_eq(hstr(handle_at(g, 0), "what"), "eventfd");
	lt_e2e_free(&r);
}

Test(handles, inherited_descriptors_only_when_asked, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "closes_all", HANDLES_ONLY ":report_inherited=1");
	cr_assert_eq(r.status, 0);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	/* stdin, stdout and stderr, as the harness set them up */
	cr_assert_eq(lt_e2e_summary(&r, "unknown_handles"), 3, "unknown %lld: %s", lt_e2e_summary(&r, "unknown_handles"), json_dumps(json_object_get(r.report, "leaks"), 0));
	json_t *leaks = json_object_get(r.report, "leaks");
	int seen = 0;
	for (size_t i = 0; i < json_array_size(leaks); i++) {
		json_t *g = json_array_get(leaks, i);
		if (!strcmp(json_string_value(json_object_get(g, "kind")), "memory"))
			continue;
		cr_assert_str_eq(json_string_value(json_object_get(g, "origin")), "unknown");
		json_t *hs = json_object_get(g, "handles");
		for (size_t k = 0; k < json_array_size(hs); k++) {
			long long fd = hint(json_array_get(hs, k), "fd");
			cr_assert(fd >= 0 && fd <= 2, "fd %lld listed as inherited", fd);
			seen |= 1 << fd;
		}
	}
	cr_assert_eq(seen, 7);
	lt_e2e_free(&r);
}

Test(handles, forked_child_does_not_own_parent_handles, .timeout = 60)
{
	lt_run_t r;
	/* fork_report=always: a clean fork-only child writes no report by
	 * default; here its report must exist and own nothing */
	cr_assert_eq(lt_e2e_run(&r, "fork_child_inherits", HANDLES_ONLY ":fork_report=always", NULL), 0);
	cr_assert_str_eq(r.out, "child 0\n");
	cr_assert_eq(r.nreports, 2, "one report per process");
	int parent = 0, child = 0;
	for (int i = 0; i < r.nreports; i++) {
		json_t *s = json_object_get(r.reports[i], "summary");
		long long leaked = json_integer_value(json_object_get(s, "leaked_handles"));
		if (leaked == 1)
			parent++;
		else if (leaked == 0)
			child++;
	}
	cr_assert_eq(parent, 1);
	cr_assert_eq(child, 1);
	cr_assert_eq(r.status, 23);
	lt_e2e_free(&r);
}

/* ---- the gate's narrowing option ---------------------------------------------- */

Test(handles, fail_on_chosen_kinds, .timeout = 60)
{
	lt_run_t r;
	/* four fd leaks, no socket: a socket-only gate passes ... */
	RUN(r, "pipe_dup_leak", "fail_on=socket");
	cr_assert_eq(r.status, 0, "socket-only gate failed: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 4);
	lt_e2e_free(&r);
	/* ... an fd gate fails ... */
	RUN(r, "pipe_dup_leak", "fail_on=fd");
	cr_assert_eq(r.status, 23);
	lt_e2e_free(&r);
	/* ... and so does the default one, within its threshold or not */
	RUN(r, "pipe_dup_leak", HANDLES_ONLY ":handle_threshold=4");
	cr_assert_eq(r.status, 0);
	lt_e2e_free(&r);
	RUN(r, "pipe_dup_leak", HANDLES_ONLY ":handle_threshold=3");
	cr_assert_eq(r.status, 23);
	lt_e2e_free(&r);
}

/* ---- io_uring ---------------------------------------------------------------------- */

Test(handles, uring_ring_never_exited, .timeout = 60)
{
	lt_run_t r;
	RUN_URING(r, "uring_leak", HANDLES_ONLY);
	cr_assert_eq(r.status, 23);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 4);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.io_uring_ring"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.io_uring_buffer"), 2);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.io_uring_file"), 1);
	/* the ring's descriptor is the ring, not an fd or an unknown one */
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.fd"), -1);
	cr_assert_eq(lt_e2e_summary(&r, "unknown_handles"), 0);

	json_t *ring = hgroup(&r, "io_uring_ring", "setup_ring");
	assert_first_frame(ring, "setup_ring");
	assert_first_line(ring, 17);
	json_t *rh = handle_at(ring, 0);
	long long ring_fd = hint(rh, "fd");
	cr_assert_str_eq(hstr(rh, "what"), "io_uring");

	json_t *bufs = hgroup(&r, "io_uring_buffer", "register_bufs");
	cr_assert_eq(lt_e2e_group_count(bufs), 2);
	cr_assert_eq(lt_e2e_group_bytes(bufs), 4096 + 8192);
	assert_first_line(bufs, 26);
	for (size_t i = 0; i < 2; i++) {
		json_t *h = handle_at(bufs, i);
		cr_assert_eq(hint(h, "ring_fd"), ring_fd);
		long long idx = hint(h, "index");
		cr_assert(idx == 0 || idx == 1);
		cr_assert_eq(hint(h, "length"), idx == 0 ? 4096 : 8192);
	}
	json_t *files = hgroup(&r, "io_uring_file", "register_file");
	cr_assert_eq(lt_e2e_group_count(files), 1);
	cr_assert_eq(hint(handle_at(files, 0), "ring_fd"), ring_fd);
	cr_assert_eq(hint(handle_at(files, 0), "index"), 0);
	lt_e2e_free(&r);
}

Test(handles, uring_correct_program_zero, .timeout = 60)
{
	lt_run_t r;
	RUN_URING(r, "uring_ok", NULL);
	cr_assert_str_eq(r.out, "ring exited\n");
	cr_assert_eq(r.status, 0, "gate failed: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	cr_assert_eq(lt_e2e_summary(&r, "unknown_handles"), 0);
	cr_assert_eq(total_handle_groups(&r), 0);
	cr_assert_null(strstr(r.err, "still registered"));
	lt_e2e_free(&r);
}

Test(handles, uring_free_while_registered, .timeout = 60)
{
	lt_run_t r;
	RUN_URING(r, "uring_free_registered", HANDLES_ONLY);
	cr_assert_str_eq(r.out, "done\n");
	cr_assert_not_null(strstr(r.err, "leaktrace: error: free() of 0x"), "stderr: %s", r.err);
	cr_assert_not_null(strstr(r.err, "which is still registered with io_uring ring fd "));
	cr_assert_not_null(strstr(r.err, "(buffer index 0)"));
	/* the free's stack, then the registering one */
	const char *freed = strstr(r.err, "freed at:");
	const char *reg = strstr(r.err, "registered at:");
	cr_assert(freed && reg && freed < reg, "stderr: %s", r.err);
	cr_assert(strstr(freed, "release_early") && strstr(freed, "release_early") < reg);
	cr_assert_not_null(strstr(reg, "register_heap_buf"));
	cr_assert_not_null(strstr(r.err, "uring_free_registered.c:23"));
	/* reported once, and the ring was exited: nothing left at exit */
	cr_assert_null(strstr(strstr(r.err, "free() of 0x") + 1, "free() of 0x"));
	cr_assert_eq(r.status, 0);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	lt_e2e_free(&r);
}

Test(handles, uring_without_liburing_via_syscall, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "uring_raw_syscall", HANDLES_ONLY);
	if (r.status == 77)
		cr_skip_test("io_uring unavailable here: %s", r.err);
	/* exit 2/3 would mean syscall() changed another call's result or errno */
	cr_assert_eq(r.status, 23, "status %d; stderr: %s", r.status, r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 2);
	json_t *ring = hgroup(&r, "io_uring_ring", "raw_setup");
	assert_first_frame(ring, "raw_setup");
	json_t *buf = hgroup(&r, "io_uring_buffer", "raw_register");
	cr_assert_eq(lt_e2e_group_bytes(buf), 4096);
	cr_assert_eq(hint(handle_at(buf, 0), "ring_fd"), hint(handle_at(ring, 0), "fd"));
	lt_e2e_free(&r);
}

/* ---- kqueue (test double) ------------------------------------------------------- */

Test(handles, kqueue_and_filter_leak, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "kqueue_leak", HANDLES_ONLY);
	cr_assert_str_eq(r.out, "kqueue left open\n", "stderr: %s", r.err);
	cr_assert_eq(r.status, 23);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 2);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.kqueue"), 1);
	cr_assert_eq(lt_e2e_summary(&r, "by_kind.kevent_filter"), 1);
	cr_assert_eq(total_handle_groups(&r), 2);
	json_t *kq = hgroup(&r, "kqueue", "make_queue");
	assert_first_line(kq, 16);
	long long kqfd = hint(handle_at(kq, 0), "fd");
	json_t *f = hgroup(&r, "kevent_filter", "arm_timer");
	assert_first_frame(f, "arm_timer");
	assert_first_line(f, 25);
	json_t *h = handle_at(f, 0);
	cr_assert_eq(hint(h, "ident"), 7);
	cr_assert_str_eq(hstr(h, "filter"), "EVFILT_TIMER");
	cr_assert_eq(hint(h, "fd"), kqfd);
	lt_e2e_free(&r);
}

Test(handles, kqueue_correct_program_zero, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "kqueue_ok", NULL);
	cr_assert_str_eq(r.out, "kqueue closed\n", "stderr: %s", r.err);
	cr_assert_eq(r.status, 0);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 0);
	cr_assert_eq(total_handle_groups(&r), 0);
	lt_e2e_free(&r);
}

/* Descriptors 0-2 redirected by the program (dup2, as shells do) are its
 * standard streams, not leaks; the one it opened and kept is. */
Test(handles, redirected_standard_streams_are_not_leaks)
{
	lt_run_t r;
	RUN(r, "std_redirect", HANDLES_ONLY);
	cr_assert_eq(r.status, 23, "status %d; stderr: %s", r.status, r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 1);
	cr_assert_eq(lt_e2e_count_groups(&r, "fd", "open"), 1);
	json_t *g = hgroup(&r, "fd", "leak_one");
	assert_first_frame(g, "leak_one");
	cr_assert_str_eq(hstr(handle_at(g, 0), "path"), "/dev/zero");
	lt_e2e_free(&r);
}

/* ---- one vocabulary for handles (issue #15) --------------------------- */

/* The handle lines of a text report ("Leaked ...:" titles and the detail
 * lines under them), in order, one string. */
static char *handle_lines(const char *text)
{
	size_t n = 0;
	char *out = calloc(1, strlen(text) + 1);
	for (const char *l = text; l && *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l + 1) : strlen(l);
		if (!strncmp(l, "Leaked ", 7) || !strncmp(l, "    fd ", 7)) {
			memcpy(out + n, l, len);
			n += len;
		}
		l = nl ? nl + 1 : NULL;
	}
	return out;
}

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = strstr(text, line); p; p = strstr(p + 1, line))
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || !p[n]))
			return 1;
	return 0;
}

/* A FILE* and an open() descriptor on one file read alike but for the word
 * saying stream or descriptor; popen is a pipe stream with its command;
 * fdopen names what is underneath. valgrind --track-fds on stream_vocab:
 * "FILE DESCRIPTORS: 10 open (3 std)", of which fds 3-7 are the program's
 * (3 and 4 on /etc/hostname, 5 the popen pipe, 6 the unix socket, 7 the
 * pipe; the rest are valgrind's own), and "in use at exit: 1,672 bytes in
 * 4 blocks", all still reachable (the four FILEs, kept in a global). */
Test(handles, one_vocabulary_for_streams_and_descriptors, .timeout = 60)
{
	lt_run_t r;
	cr_assert_eq(lt_e2e_run(&r, "stream_vocab", "format=both", NULL), 0);
	cr_assert_not_null(r.report, "no report; stderr: %s", r.err);
	cr_assert_str_eq(r.out, "opened\n");
	cr_assert_eq(lt_e2e_summary(&r, "leaked_handles"), 5, "stderr: %s", r.err);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), 0);

	json_t *s = hgroup(&r, "file", "open_stream");
	cr_assert_str_eq(hstr(handle_at(s, 0), "what"), "file");
	cr_assert_str_eq(hstr(handle_at(s, 0), "path"), "/etc/hostname");
	cr_assert_null(json_object_get(handle_at(s, 0), "popen"));
	json_t *d = hgroup(&r, "fd", "open_descriptor");
	cr_assert_str_eq(hstr(handle_at(d, 0), "what"), "file");
	cr_assert_str_eq(hstr(handle_at(d, 0), "path"), "/etc/hostname");
	json_t *p = hgroup(&r, "file", "open_pipe_stream");
	cr_assert_str_eq(hstr(handle_at(p, 0), "what"), "pipe");
	cr_assert(json_is_true(json_object_get(handle_at(p, 0), "popen")));
	cr_assert_str_eq(hstr(handle_at(p, 0), "command"), "exit 0");
	json_t *k = hgroup(&r, "file", "stream_on_socket");
	cr_assert_str_eq(hstr(handle_at(k, 0), "family"), "unix");
	cr_assert_str_eq(hstr(handle_at(k, 0), "type"), "stream");
	json_t *q = hgroup(&r, "file", "stream_on_pipe");
	cr_assert_str_eq(hstr(handle_at(q, 0), "what"), "pipe");
	cr_assert_null(json_object_get(handle_at(q, 0), "popen"));

	/* the shim's text (format=both: text on stderr) */
	char line[128];
	cr_assert(has_line(r.err, "Leaked stream: 1 handle(s) opened from:"), "%s", r.err);
	cr_assert(has_line(r.err, "Leaked descriptor: 1 handle(s) opened from:"), "%s", r.err);
	cr_assert(has_line(r.err, "Leaked pipe stream: 1 handle(s) opened from:"), "%s", r.err);
	snprintf(line, sizeof line, "    fd %lld file /etc/hostname", hint(handle_at(s, 0), "fd"));
	cr_assert(has_line(r.err, line), "no '%s' in %s", line, r.err);
	snprintf(line, sizeof line, "    fd %lld file /etc/hostname", hint(handle_at(d, 0), "fd"));
	cr_assert(has_line(r.err, line), "no '%s' in %s", line, r.err);
	snprintf(line, sizeof line, "    fd %lld pipe (popen \"exit 0\")", hint(handle_at(p, 0), "fd"));
	cr_assert(has_line(r.err, line), "no '%s' in %s", line, r.err);
	snprintf(line, sizeof line, "    fd %lld socket unix stream", hint(handle_at(k, 0), "fd"));
	cr_assert(has_line(r.err, line), "no '%s' in %s", line, r.err);
	snprintf(line, sizeof line, "    fd %lld pipe", hint(handle_at(q, 0), "fd"));
	cr_assert(has_line(r.err, line), "no '%s' in %s", line, r.err);

	/* leaktrace report of the JSON prints the same handle lines */
	char path[512];
	snprintf(path, sizeof path, "%s/vocab.json", r.dir);
	cr_assert_eq(json_dump_file(r.report, path, 0), 0);
	char *argv[] = { getenv("LT_TOOL"), "report", path, NULL }, *out = NULL, *err = NULL;
	lt_e2e_command(argv, &out, &err);
	char *a = handle_lines(r.err), *b = handle_lines(out ? out : "");
	cr_assert(strlen(a) > 0);
	cr_assert_str_eq(b, a, "leaktrace report:\n%s\nshim:\n%s", b, a);
	free(a);
	free(b);
	free(out);
	free(err);
	lt_e2e_free(&r);
}
