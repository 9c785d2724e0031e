/* End-to-end tests of snapshots: growth between two snapshots of a running
 * server measured exactly and reported by `leaktrace diff`, a final report
 * when the server is killed with SIGTERM (and the same termination status as
 * without the shim), and a storm of snapshot signals during multi-threaded
 * allocation yielding only whole, parseable reports. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.h"

static int wait_port(lt_run_t *r)
{
	for (int i = 0; i < 500; i++) {
		char *out = lt_e2e_read_stdout(r);
		int port = atoi(out);
		free(out);
		if (port > 0)
			return port;
		usleep(10000);
	}
	return -1;
}

/* one connection: send, read the echo back, close */
static void echo_once(int port, const char *msg)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	size_t n = strlen(msg);
	cr_assert_eq(write(fd, msg, n), (ssize_t)n);
	char buf[256] = "";
	size_t got = 0;
	while (got < n) {
		ssize_t k = read(fd, buf + got, sizeof buf - 1 - got);
		cr_assert_gt(k, 0, "the server stopped answering");
		got += (size_t)k;
	}
	cr_assert_str_eq(buf, msg, "the server's answer changed under the shim");
	close(fd);
}

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	cr_assert_not_null(j, "%s: %s", path, e.text);
	return j;
}

static json_t *group_with(json_t *report, const char *fn)
{
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(report, "leaks"), i, g) {
		size_t k;
		json_t *f;
		json_array_foreach(json_object_get(g, "stack"), k, f) {
			const char *name = json_string_value(json_object_get(f, "function"));
			if (name && !strcmp(name, fn))
				return g;
		}
	}
	return NULL;
}

static long long gcount(json_t *report, const char *fn)
{
	json_t *g = group_with(report, fn);
	return g ? json_integer_value(json_object_get(g, "count")) : 0;
}

/* `leaktrace snapshot PID`: returns the report path it printed */
static char *snapshot(int pid)
{
	char pidbuf[32];
	snprintf(pidbuf, sizeof pidbuf, "%d", pid);
	char *argv[] = { getenv("LT_TOOL"), "snapshot", pidbuf, NULL };
	char *out, *err;
	int st = lt_e2e_command(argv, &out, &err);
	cr_assert_eq(st, 0, "leaktrace snapshot failed: %s", err);
	free(err);
	char *nl = strchr(out, '\n');
	cr_assert_not_null(nl, "no path printed: %s", out);
	*nl = 0;
	return out;
}

Test(snapshot, growth_between_snapshots_and_diff, .timeout = 120)
{
	lt_run_t r;
	cr_assert_eq(lt_e2e_start(&r, "echo_server", "exitcode=0", NULL), 0);
	int port = wait_port(&r);
	cr_assert_gt(port, 0, "the server did not start");
	for (int i = 0; i < 3; i++)
		echo_once(port, "hello");
	char *a = snapshot(r.pid);
	const int N = 7;
	for (int i = 0; i < N; i++)
		echo_once(port, "again");
	char *b = snapshot(r.pid);
	cr_assert_str_neq(a, b);

	json_t *ja = load(a), *jb = load(b);
	cr_assert_str_eq(json_string_value(json_object_get(ja, "reason")), "snapshot");
	long long sa = json_integer_value(json_object_get(ja, "sequence"));
	long long sb = json_integer_value(json_object_get(jb, "sequence"));
	cr_assert_eq(sb, sa + 1, "sequence increases");
	cr_assert_eq(gcount(ja, "new_session"), 3);
	cr_assert_eq(gcount(jb, "new_session"), 3 + N, "exactly N more sessions");
	json_t *g = group_with(jb, "new_session");
	cr_assert_eq(json_integer_value(json_object_get(g, "bytes")), 64 * (3 + N));
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
				 json_object_get(g, "stack"), 0), "function")), "new_session");
	cr_assert_geq(json_integer_value(json_object_get(g, "newest_ms")),
		      json_integer_value(json_object_get(g, "oldest_ms")));

	/* leaktrace diff names the stack that grew and by how much */
	char *argv[] = { getenv("LT_TOOL"), "diff", "--json", a, b, NULL };
	char *out, *err;
	cr_assert_eq(lt_e2e_command(argv, &out, &err), 0, "diff: %s", err);
	json_error_t e;
	json_t *d = json_loads(out, 0, &e);
	cr_assert_not_null(d, "diff --json: %s", e.text);
	json_t *grew = json_array_get(json_object_get(d, "grew"), 0);
	cr_assert_not_null(grew, "nothing grew: %s", out);
	cr_assert(strstr(json_dumps(grew, 0), "new_session"), "largest growth is new_session: %s", out);
	cr_assert_eq(json_integer_value(json_object_get(d, "growth_blocks")), N, "%s", out);
	cr_assert_eq(json_integer_value(json_object_get(d, "growth_bytes")), 64 * N, "%s", out);
	/* as a gate: growth above a threshold fails */
	char *gate[] = { getenv("LT_TOOL"), "diff", "--fail-blocks", "6", a, b, NULL };
	char *o2, *e2;
	cr_assert_eq(lt_e2e_command(gate, &o2, &e2), 1);
	free(o2); free(e2);
	free(out); free(err);
	json_decref(d); json_decref(ja); json_decref(jb);
	free(a); free(b);

	/* SIGTERM: a final report, then death by the same signal */
	kill(r.pid, SIGTERM);
	lt_e2e_wait(&r);
	cr_assert_eq(r.status, 128 + SIGTERM, "status %d", r.status);
	cr_assert_str_eq(json_string_value(json_object_get(r.report, "reason")), "signal");
	cr_assert_eq(json_integer_value(json_object_get(r.report, "signal")), SIGTERM);
	cr_assert_eq(gcount(r.report, "new_session"), 3 + N);
	cr_assert_eq(r.nreports, 3);
	lt_e2e_free(&r);

	/* the same status without the shim */
	lt_run_t n;
	cr_assert_eq(lt_e2e_start_native(&n, "echo_server", NULL), 0);
	cr_assert_gt(wait_port(&n), 0);
	kill(n.pid, SIGTERM);
	lt_e2e_wait(&n);
	cr_assert_eq(n.status, 128 + SIGTERM);
	lt_e2e_free(&n);
}

Test(snapshot, signal_storm_gives_whole_reports, .timeout = 120)
{
	lt_run_t r;
	char *argv[] = { "3000", NULL };
	cr_assert_eq(lt_e2e_start(&r, "alloc_storm", "exitcode=0", argv), 0);
	usleep(300000);
	int sent = 0;
	for (int i = 0; i < 300; i++) {
		if (kill(r.pid, SIGUSR1) == 0)
			sent++;
		usleep(3000);
	}
	cr_assert_eq(sent, 300);
	lt_e2e_wait(&r);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "done\n");
	/* coalesced: at least one snapshot and the exit report, every file whole */
	int files = lt_e2e_count_files(&r, ".json");
	cr_assert_eq(files, r.nreports, "%d files, %d parse", files, r.nreports);
	cr_assert_geq(r.nreports, 2);
	cr_assert_eq(lt_e2e_count_files(&r, ".tmp."), 0, "no partial files left");
	cr_assert_str_eq(json_string_value(json_object_get(r.report, "reason")), "exit");
	cr_assert_eq(gcount(r.report, "leak_ten"), 10);
	/* snapshots are numbered 0..n-2, the exit report last */
	cr_assert_eq(json_integer_value(json_object_get(r.report, "sequence")), r.nreports - 1);
	lt_e2e_free(&r);
}

Test(snapshot, program_handler_wins_and_is_reported, .timeout = 60)
{
	/* snapshot_signal=off: SIGUSR1 keeps its default action (terminate) */
	lt_run_t r;
	cr_assert_eq(lt_e2e_start(&r, "echo_server", "snapshot_signal=off", NULL), 0);
	cr_assert_gt(wait_port(&r), 0);
	kill(r.pid, SIGUSR1);
	lt_e2e_wait(&r);
	cr_assert_eq(r.status, 128 + SIGUSR1);
	lt_e2e_free(&r);
}

/* `leaktrace snapshot` says what /proc shows when the process does not
 * catch the signal (no guess about its handlers), and "no such process"
 * for a pid that does not exist. */
Test(snapshot, says_what_is_known_when_the_signal_is_not_caught, .timeout = 60)
{
	lt_run_t r;
	cr_assert_eq(lt_e2e_start(&r, "echo_server", "exitcode=0", NULL), 0);
	cr_assert_gt(wait_port(&r), 0);
	char pid[32];
	snprintf(pid, sizeof pid, "%d", r.pid);
	char *argv[] = { getenv("LT_TOOL"), "snapshot", "--signal", "USR2", pid, NULL };
	char *out, *err;
	cr_assert_eq(lt_e2e_command(argv, &out, &err), 2);
	char want[512];
	snprintf(want, sizeof want,
		 "leaktrace: error: process %d does not catch signal %d (SIGUSR2): it is at its default "
		 "action there, so it would not make a snapshot; nothing sent. Choose a signal it "
		 "leaves free with LEAKTRACE_OPTIONS=snapshot_signal=... when starting it\n",
		 r.pid, SIGUSR2);
	cr_assert_str_eq(err, want);
	free(out);
	free(err);
	kill(r.pid, SIGTERM);
	lt_e2e_wait(&r);
	lt_e2e_free(&r);

	char *gone[] = { getenv("LT_TOOL"), "snapshot", "2147483646", NULL };
	cr_assert_eq(lt_e2e_command(gone, &out, &err), 2);
	cr_assert_str_eq(err, "leaktrace: error: no such process: 2147483646\n");
	free(out);
	free(err);
}

/* A program that writes its process title over its environment (as redis,
 * nginx and postgres do): /proc/PID/environ loses LD_PRELOAD and
 * LEAKTRACE_OPTIONS, and `leaktrace snapshot` still finds the shim, the
 * signal and the report path. memcheck (proctitle_server exit): definitely
 * lost 96 bytes in 1 block (title_leak). */
Test(snapshot, works_after_environment_is_overwritten, .timeout = 60)
{
	lt_run_t r;
	cr_assert_eq(lt_e2e_start(&r, "proctitle_server", "exitcode=0", NULL), 0);
	char *out = NULL;
	for (int i = 0; i < 500; i++) {
		free(out);
		out = lt_e2e_read_stdout(&r);
		if (strstr(out, "ready"))
			break;
		usleep(10000);
	}
	cr_assert(strstr(out, "ready"), "the program did not start: %s", out);
	free(out);
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/environ", r.pid);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	char env[65536];
	size_t n = fread(env, 1, sizeof env - 1, f);
	fclose(f);
	cr_assert_null(memmem(env, n, "LD_PRELOAD", 10), "the environment was not overwritten");
	cr_assert_null(memmem(env, n, "LEAKTRACE_OPTIONS", 17));
	char *a = snapshot(r.pid);
	json_t *j = load(a);
	cr_assert_str_eq(json_string_value(json_object_get(j, "reason")), "snapshot");
	json_t *g = group_with(j, "title_leak");
	cr_assert_not_null(g);
	cr_assert_eq(json_integer_value(json_object_get(g, "bytes")), 96);
	cr_assert_str_eq(json_string_value(json_object_get(g, "class")), "definitely_lost");
	json_decref(j);
	free(a);
	kill(r.pid, SIGTERM);
	lt_e2e_wait(&r);
	lt_e2e_free(&r);
}

/* one connection to example_server: send REQ, hang up our side, read until the server
 * closes (it closes only after serving every request, so the snapshot that follows sees
 * every allocation of this connection and none in flight) */
static void example_request(int port, const char *req)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
	size_t n = strlen(req);
	cr_assert_eq(write(fd, req, n), (ssize_t)n);
	shutdown(fd, SHUT_WR);
	char buf[256];
	ssize_t k;
	while ((k = read(fd, buf, sizeof buf)) > 0)
		;
	cr_assert_eq(k, 0, "the server did not close the connection");
	close(fd);
}

static void expect_series(json_t *s, const char *key, long long step)
{
	json_t *a = json_object_get(s, key);
	cr_assert_eq(json_array_size(a), 6, "%s", json_dumps(s, 0));
	for (size_t i = 0; i < 6; i++)
		cr_expect_eq(json_integer_value(json_array_get(a, i)), step * (long long)(i + 1),
			     "%s[%zu] of %s", key, i, json_dumps(s, 0));
}

/* `leaktrace trend` over six snapshots of the example server under load: each round
 * makes 3 connections (3 sessions of 64 bytes in the pool, pool_add) and one POST (a
 * 96-byte request context lost, new_request_ctx). Both grow by the same amount every
 * round; the pool grows faster and ranks first; nothing else grows.
 * memcheck on the same load (6 rounds, then SIGTERM; see example_server.c):
 *   definitely lost: 576 bytes in 6 blocks (new_request_ctx)
 *   still reachable: 1,152 bytes in 18 blocks from pool_add (plus stdout's 4,096-byte
 *                    buffer, allocated before the first snapshot) */
Test(snapshot, trend_ranks_the_growing_pool_first, .timeout = 120)
{
	lt_run_t r;
	char *args[] = { "serve", NULL };
	cr_assert_eq(lt_e2e_start(&r, "example_server", "exitcode=0", args), 0);
	int port = wait_port(&r);
	cr_assert_gt(port, 0, "the server did not start");
	char *files[6];
	for (int round = 0; round < 6; round++) {
		example_request(port, "GET /index\nPOST /form\n");
		example_request(port, "GET /index\n");
		example_request(port, "GET /a\nGET /b\n");
		files[round] = snapshot(r.pid);
	}

	char *argv[12] = { getenv("LT_TOOL"), "trend", "--format", "json" };
	for (int i = 0; i < 6; i++)
		argv[4 + i] = files[5 - i]; /* any order: the tool orders them by uptime */
	char *out, *err;
	cr_assert_eq(lt_e2e_command(argv, &out, &err), 0, "trend: %s", err);
	json_error_t e;
	json_t *t = json_loads(out, 0, &e);
	cr_assert_not_null(t, "trend --format json: %s: %s", e.text, out);
	cr_assert_eq(json_integer_value(json_object_get(t, "snapshots")), 6);
	cr_assert_eq(json_integer_value(json_object_get(t, "pid")), r.pid);
	cr_assert_eq(json_integer_value(json_object_get(t, "n_suspects")), 2, "%s", out);
	json_t *sus = json_object_get(t, "suspects");
	json_t *pool = json_array_get(sus, 0), *ctx = json_array_get(sus, 1);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
				 json_object_get(pool, "stack"), 0), "function")), "pool_add", "%s", out);
	cr_assert(lt_e2e_stack_has(pool, "serve_connection"));
	cr_assert_str_eq(json_string_value(json_object_get(pool, "kind")), "memory");
	expect_series(pool, "bytes", 3 * 64);
	expect_series(pool, "count", 3);
	cr_assert(json_real_value(json_object_get(pool, "tau")) == 1.0);
	cr_assert_str_eq(json_string_value(json_object_get(json_array_get(
				 json_object_get(ctx, "stack"), 0), "function")), "new_request_ctx", "%s", out);
	expect_series(ctx, "bytes", 96);
	expect_series(ctx, "count", 1);
	cr_assert_gt(json_real_value(json_object_get(pool, "slope_per_min")),
		     json_real_value(json_object_get(ctx, "slope_per_min")));
	json_decref(t);
	free(out);
	free(err);

	/* text: "+X B/min over 6 snapshots" per suspect, the pool first */
	argv[2] = "--fail-slope";
	argv[3] = "1"; /* 1 byte a minute: both suspects exceed it */
	cr_assert_eq(lt_e2e_command(argv, &out, &err), 1, "the gate: %s", err);
	char *first = strstr(out, "\n#1 +"), *second = strstr(out, "\n#2 +");
	cr_assert(first && second, "%s", out);
	cr_assert(strstr(first, " B/min over 6 snapshots (memory: 192 -> 1152 bytes, 3 -> 18 blocks; tau 1.00)\n    pool_add "),
		  "%s", out);
	cr_assert(strstr(second, " B/min over 6 snapshots (memory: 96 -> 576 bytes, 1 -> 6 blocks; tau 1.00)\n    new_request_ctx "),
		  "%s", out);
	cr_assert(strstr(err, "leaktrace: trend: pool_add grows by "), "%s", err);
	free(out);
	free(err);
	argv[3] = "1G/min"; /* no suspect grows that fast */
	cr_assert_eq(lt_e2e_command(argv, &out, &err), 0, "%s", err);
	free(out);
	free(err);

	for (int i = 0; i < 6; i++)
		free(files[i]);
	kill(r.pid, SIGTERM);
	lt_e2e_wait(&r);
	cr_assert_eq(r.status, 128 + SIGTERM);
	lt_e2e_free(&r);
}
