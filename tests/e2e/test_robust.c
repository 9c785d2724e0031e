/* End-to-end robustness tests: fork, vfork, posix_spawn and exec; many
 * threads with cross-thread frees; allocation in signal handlers and
 * snapshot storms; every way a program can end; errno, output and resource
 * limits unchanged; report files written safely or not at all. Figures come
 * from each program's code (memcheck's numbers are quoted in its header). */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

#define RUN(r, name, opts, ...)                                                \
	do {                                                                   \
		char *argv_[] = { __VA_ARGS__ };                               \
		cr_assert_eq(lt_e2e_run(&(r), name, opts, argv_), 0, "run %s", name); \
	} while (0)

/* ---- reading every report of a run --------------------------------------- */

#define MAXREP 64
typedef struct {
	json_t *rep[MAXREP];
	int n;
	int bad;       /* files that did not parse */
	int tmp;       /* leftover temp files */
} reports_t;

static void load_dir(reports_t *rs, const char *dir, const char *suffix)
{
	memset(rs, 0, sizeof *rs);
	DIR *d = opendir(dir);
	cr_assert_not_null(d, "opendir %s", dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strstr(e->d_name, ".tmp."))
			rs->tmp++;
		size_t len = strlen(e->d_name), sl = strlen(suffix);
		if (len < sl || strcmp(e->d_name + len - sl, suffix))
			continue;
		char path[600];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		json_error_t jerr;
		json_t *j = json_load_file(path, 0, &jerr);
		if (!j) {
			rs->bad++;
			continue;
		}
		cr_assert_lt(rs->n, MAXREP);
		rs->rep[rs->n++] = j;
	}
	closedir(d);
}

static void free_reports(reports_t *rs)
{
	for (int i = 0; i < rs->n; i++)
		json_decref(rs->rep[i]);
	rs->n = 0;
}

static long long jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

static json_t *report_of_pid(reports_t *rs, long long pid)
{
	for (int i = 0; i < rs->n; i++)
		if (jint(rs->rep[i], "pid") == pid)
			return rs->rep[i];
	return NULL;
}

static int stack_has(json_t *g, const char *fn)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(g, "stack"), i, f) {
		const char *s = json_string_value(json_object_get(f, "function"));
		if (s && !strcmp(s, fn))
			return 1;
	}
	return 0;
}

/* Sum bytes and count of every memory group (any class) whose stack has fn:
 * classification may split one site into several groups. */
static void site_total(json_t *rep, const char *fn, long long *bytes, long long *count)
{
	*bytes = *count = 0;
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(rep, "leaks"), i, g) {
		const char *k = json_string_value(json_object_get(g, "kind"));
		if (!k || strcmp(k, "memory") || !stack_has(g, fn))
			continue;
		*bytes += jint(g, "bytes");
		*count += jint(g, "count");
	}
}

static long long site_bytes(json_t *rep, const char *fn)
{
	long long b, c;
	site_total(rep, fn, &b, &c);
	return b;
}

static int count_lines_with(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- fork, vfork, posix_spawn, exec -------------------------------------- */

static long long child_pid_of(const lt_run_t *r)
{
	const char *c = strstr(r->out, "child ");
	cr_assert_not_null(c, "no child pid in stdout: %s", r->out);
	return atoll(c + 6);
}

/* The memory group of that class allocated in fn (first frame), or NULL. */
static json_t *class_group(json_t *rep, const char *cls, const char *fn)
{
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(rep, "leaks"), i, g) {
		const char *k = json_string_value(json_object_get(g, "kind"));
		const char *c = json_string_value(json_object_get(g, "class"));
		json_t *f0 = json_array_get(json_object_get(g, "stack"), 0);
		const char *f = json_string_value(json_object_get(f0, "function"));
		if (k && c && f && !strcmp(k, "memory") && !strcmp(c, cls) && !strcmp(f, fn))
			return g;
	}
	return NULL;
}

/* memcheck --trace-children=yes: parent 100 definitely lost (parent_leak);
 * child 300 definitely lost in 2 (parent_leak, inherited, and child_leak) */
Test(robust, fork_child_reports_inherited_and_own_leaks, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "fork_child_leak", "exitcode=0", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	reports_t rs;
	load_dir(&rs, r.dir, ".json");
	cr_assert_eq(rs.n, 2, "expected parent and child reports, got %d", rs.n);
	cr_assert_eq(rs.bad + rs.tmp, 0);
	long long cpid = child_pid_of(&r);
	json_t *child = report_of_pid(&rs, cpid);
	cr_assert_not_null(child, "no report with the child's pid %lld", cpid);
	json_t *parent = rs.rep[0] == child ? rs.rep[1] : rs.rep[0];
	cr_assert_eq(jint(child, "ppid"), jint(parent, "pid"));
	cr_assert_eq(jint(child, "sequence"), 0);
	/* the child's own leak, and the parent's block it inherited, marked */
	cr_assert_eq(site_bytes(child, "child_leak"), 200);
	cr_assert_eq(site_bytes(child, "parent_leak"), 100);
	json_t *g = class_group(child, "definitely_lost", "parent_leak");
	cr_assert_not_null(g);
	cr_assert(json_is_true(json_object_get(g, "allocated_before_fork")));
	cr_assert_eq(jint(g, "fork_parent_pid"), jint(parent, "pid"));
	g = class_group(child, "definitely_lost", "child_leak");
	cr_assert_not_null(g);
	cr_assert_null(json_object_get(g, "allocated_before_fork"));
	cr_assert_null(json_object_get(g, "fork_parent_pid"));
	/* the parent: its leak, never the child's, and nothing marked */
	cr_assert_eq(site_bytes(parent, "parent_leak"), 100);
	cr_assert_eq(site_bytes(parent, "child_leak"), 0);
	g = class_group(parent, "definitely_lost", "parent_leak");
	cr_assert_not_null(g);
	cr_assert_null(json_object_get(g, "allocated_before_fork"));
	free_reports(&rs);
	lt_e2e_free(&r);
}

Test(robust, fork_inherit_0_drops_parent_blocks_in_child, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "fork_child_leak", "exitcode=0:fork_inherit=0", NULL);
	cr_assert_eq(r.status, 0);
	reports_t rs;
	load_dir(&rs, r.dir, ".json");
	cr_assert_eq(rs.n, 2);
	json_t *child = report_of_pid(&rs, child_pid_of(&r));
	cr_assert_not_null(child);
	cr_assert_eq(site_bytes(child, "child_leak"), 200);
	cr_assert_eq(site_bytes(child, "parent_leak"), 0);
	free_reports(&rs);
	lt_e2e_free(&r);
}

/* A child drops its only pointer to a block its parent still keeps (issue
 * 13, item 4). memcheck 3.19 --trace-children=yes --leak-check=full
 * --show-leak-kinds=all: child: definitely lost 300 in 2 (100
 * dropped_in_child, 200 child_leak), still reachable 300 in 1
 * (keep_shared); parent: definitely 0, still reachable 400 in 2 (and
 * stdout's buffer, which valgrind frees before its scan). The original
 * tree reported neither inherited block in the child. */
Test(robust, fork_child_reports_inherited_block_it_drops, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "fork_drops_inherited", "exitcode=0", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	reports_t rs;
	load_dir(&rs, r.dir, ".json");
	cr_assert_eq(rs.n, 2, "expected parent and child reports, got %d", rs.n);
	json_t *child = report_of_pid(&rs, child_pid_of(&r));
	cr_assert_not_null(child);
	json_t *parent = rs.rep[0] == child ? rs.rep[1] : rs.rep[0];
	json_t *cs = json_object_get(child, "summary");
	json_t *cd = json_object_get(json_object_get(cs, "by_class"), "definitely_lost");
	cr_assert_eq(jint(cd, "bytes"), 300);
	cr_assert_eq(jint(cd, "blocks"), 2);
	cr_assert_eq(jint(cs, "leaked_bytes"), 300);
	json_t *g = class_group(child, "definitely_lost", "dropped_in_child");
	cr_assert_not_null(g);
	cr_assert_eq(jint(g, "bytes"), 100);
	cr_assert(json_is_true(json_object_get(g, "allocated_before_fork")));
	cr_assert_eq(jint(g, "fork_parent_pid"), jint(parent, "pid"));
	g = class_group(child, "definitely_lost", "child_leak");
	cr_assert_not_null(g);
	cr_assert_eq(jint(g, "bytes"), 200);
	cr_assert_null(json_object_get(g, "allocated_before_fork"));
	g = class_group(child, "still_reachable", "keep_shared");
	cr_assert_not_null(g);
	cr_assert_eq(jint(g, "bytes"), 300);
	cr_assert(json_is_true(json_object_get(g, "allocated_before_fork")));
	/* the parent keeps both */
	json_t *pd = json_object_get(json_object_get(json_object_get(parent, "summary"), "by_class"),
				     "definitely_lost");
	cr_assert_eq(jint(pd, "bytes"), 0);
	cr_assert_not_null(class_group(parent, "still_reachable", "keep_shared"));
	cr_assert_not_null(class_group(parent, "still_reachable", "dropped_in_child"));
	free_reports(&rs);
	lt_e2e_free(&r);
}

/* Only the process that exec'd gates: a clean parent whose forked child
 * leaks 72 bytes (memcheck: child "definitely lost: 72 bytes in 1 blocks",
 * parent "All heap blocks were freed") keeps its status 0 under plain
 * LD_PRELOAD; the child's report is written (it leaked), says the verdict
 * did not apply, and the child's own status is unchanged too. */
Test(robust, forked_child_leak_keeps_statuses, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "fork_child_only_leak", NULL, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	reports_t rs;
	load_dir(&rs, r.dir, ".json");
	cr_assert_eq(rs.n, 2, "expected parent and child reports, got %d", rs.n);
	json_t *child = report_of_pid(&rs, child_pid_of(&r));
	cr_assert_not_null(child);
	json_t *parent = rs.rep[0] == child ? rs.rep[1] : rs.rep[0];
	cr_assert_eq(site_bytes(child, "child_only_leak"), 72);
	json_t *cg = json_object_get(child, "gate");
	cr_assert(json_is_true(json_object_get(cg, "failed")));
	cr_assert(json_is_false(json_object_get(cg, "applies")));
	json_t *pg = json_object_get(parent, "gate");
	cr_assert(json_is_false(json_object_get(pg, "failed")));
	cr_assert(json_is_true(json_object_get(pg, "applies")));
	cr_assert_eq(jint(json_object_get(parent, "summary"), "leaked_bytes"), 0);
	free_reports(&rs);
	lt_e2e_free(&r);
}

/* fork_report=never: the leaking fork-only child writes no report */
Test(robust, fork_report_never_silences_forked_children, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "fork_child_only_leak", "fork_report=never", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_eq(r.nreports, 1);
	cr_assert_eq(site_bytes(r.report, "child_only_leak"), 0);
	lt_e2e_free(&r);
}

/* Shells under plain LD_PRELOAD: bash's $(...) subshell is a fork-only
 * child, so `set -e` no longer sees a gated status (valgrind
 * --trace-children=yes --error-exitcode=23 prints "got hi" and exits 0);
 * `sh -c PROG` still fails because PROG exec'd and gates itself. */
static int shell(const char *script, char **out, char **err)
{
	char opts[64];
	snprintf(opts, sizeof opts, "output=/dev/null");
	setenv("LD_PRELOAD", getenv("LT_SHIM"), 1);
	setenv("LEAKTRACE_OPTIONS", opts, 1);
	char *argv[] = { "/bin/bash", "-c", (char *)script, NULL };
	int st = lt_e2e_command(argv, out, err);
	unsetenv("LD_PRELOAD");
	unsetenv("LEAKTRACE_OPTIONS");
	return st;
}

Test(robust, shell_subshells_keep_status_under_ld_preload, .timeout = 60)
{
	char *o, *e;
	cr_assert_eq(shell("set -e; x=$(echo hi); echo got $x", &o, &e), 0, "stderr: %s", e);
	cr_assert_str_eq(o, "got hi\n");
	free(o); free(e);
	char script[4200];
	snprintf(script, sizeof script, "exec /bin/sh -c %s", lt_e2e_program("tree_leaf"));
	cr_assert_eq(shell(script, &o, &e), 23, "stderr: %s", e);
	cr_assert(strstr(o, "leaf "), "%s", o);
	free(o); free(e);
}

Test(robust, vfork_posix_spawn_and_fork_exec_children_report, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "spawn_leaf", "exitcode=0", NULL);
	cr_assert_eq(r.status, 0, "stdout: %s stderr: %s", r.out, r.err);
	cr_assert_str_eq(r.out, "leaves ok 3\n");
	reports_t rs;
	load_dir(&rs, r.dir, ".json");
	cr_assert_eq(rs.n, 4, "parent + 3 leaves, got %d", rs.n);
	cr_assert_eq(rs.bad + rs.tmp, 0);
	int leaves = 0;
	long long parent = -1;
	for (int i = 0; i < rs.n; i++)
		if (site_bytes(rs.rep[i], "leaf_leak") == 0)
			parent = jint(rs.rep[i], "pid");
	cr_assert_gt(parent, 0);
	for (int i = 0; i < rs.n; i++) {
		if (jint(rs.rep[i], "pid") == parent)
			continue;
		cr_assert_eq(site_bytes(rs.rep[i], "leaf_leak"), 48);
		cr_assert_eq(jint(rs.rep[i], "ppid"), parent);
		leaves++;
	}
	cr_assert_eq(leaves, 3);
	free_reports(&rs);
	lt_e2e_free(&r);
}

Test(robust, exec_image_starts_a_fresh_tracer, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "exec_chain", "exitcode=0", "3", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "image 0"), "stdout: %s", r.out);
	/* one pid, one exiting image: one report, holding only the last
	 * image's 16 bytes (not 64+48+32 from the images exec replaced) */
	cr_assert_eq(r.nreports, 1);
	cr_assert_eq(site_bytes(r.report, "chain_leak"), 16);
	long long b, c;
	site_total(r.report, "chain_leak", &b, &c);
	cr_assert_eq(c, 1);
	lt_e2e_free(&r);
}

/* ---- threads ------------------------------------------------------------- */

Test(robust, threads_cross_thread_frees_exact_totals, .timeout = 120)
{
	lt_run_t r;
	RUN(r, "threads_churn", "exitcode=0", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "threads done\n");
	cr_assert_eq(r.nreports, 1);
	long long b, c;
	site_total(r.report, "keep_leak", &b, &c);
	cr_assert_eq(b, 864);
	cr_assert_eq(c, 36);
	/* every churn block was freed, most by another thread */
	site_total(r.report, "churn_alloc", &b, &c);
	cr_assert_eq(c, 0, "%lld churn blocks still recorded (lost frees)", c);
	lt_e2e_free(&r);
}

/* One bias_cases run: its line on stdout, the leak site's exact total,
 * and no block left recorded at the site whose blocks other threads
 * freed. */
static void bias_case(const char *mode, const char *done, const char *leak_fn,
		      long long bytes, long long blocks, const char *freed_fn)
{
	lt_run_t r;
	RUN(r, "bias_cases", "exitcode=0", (char *)mode, NULL);
	cr_assert_eq(r.status, 0, "%s: status %d; stderr: %s", mode, r.status, r.err);
	cr_assert_str_eq(r.out, done);
	long long b, c;
	site_total(r.report, leak_fn, &b, &c);
	cr_assert_eq(b, bytes, "%s: %s", mode, leak_fn);
	cr_assert_eq(c, blocks, "%s: %s", mode, leak_fn);
	site_total(r.report, freed_fn, &b, &c);
	cr_assert_eq(c, 0, "%s: %lld blocks freed by other threads still recorded", mode, c);
	cr_assert_eq(lt_e2e_summary(&r, "leaked_bytes"), bytes);
	cr_assert_eq(lt_e2e_summary(&r, "unknown_frees"), 0);
	lt_e2e_free(&r);
}

/* Biased shards (heap.c) in a real process: 300 threads take more of the
 * shim's 256 owner records than there are, so exited threads' records are
 * reclaimed, and half of every thread's blocks are freed by the main
 * thread, which revokes the biases; figures in bias_cases.c (memcheck:
 * 14,400 bytes in 300 blocks definitely lost). */
Test(robust, biased_shards_with_thread_churn_and_handed_frees, .timeout = 120)
{
	bias_case("churn", "churn done\n", "thread_leak", 14400, 300, "churn_alloc");
}

/* A seccomp filter that kills the process on membarrier and on
 * madvise(MADV_POPULATE_*), installed by the program after shards were
 * biased to it and to another thread: the biases are revoked and table
 * populates turned off before the filter goes in, so the cross-thread
 * frees and the table's growth after it make neither call (without the
 * prctl/syscall hooks, or with populates left on, the program dies of
 * SIGSYS). */
static void seccomp_case(const char *mode)
{
	bias_case(mode, "seccomp done\n", "seccomp_leak", 300, 3, "producer");
}

Test(robust, seccomp_filter_forbidding_membarrier_prctl, .timeout = 60)
{
	seccomp_case("seccomp");
}

Test(robust, seccomp_filter_forbidding_membarrier_syscall, .timeout = 60)
{
	seccomp_case("seccomp-syscall");
}

/* ---- exit paths ---------------------------------------------------------- */

static void run_mode(lt_run_t *r, const char *mode)
{
	char *argv[] = { (char *)mode, NULL };
	cr_assert_eq(lt_e2e_run(r, "exit_modes", "exitcode=0", argv), 0);
	lt_run_t n;
	cr_assert_eq(lt_e2e_run_native(&n, "exit_modes", argv), 0);
	cr_assert_eq(r->status, n.status, "%s: status %d under the shim, %d native", mode,
		     r->status, n.status);
	cr_assert_str_eq(r->out, n.out, "%s: stdout differs", mode);
	cr_assert_str_eq(r->err, n.err, "%s: stderr differs", mode);
	lt_e2e_free(&n);
}

static void assert_exit_report(lt_run_t *r, const char *reason, int sig)
{
	cr_assert_eq(r->nreports, 1);
	cr_assert_str_eq(json_string_value(json_object_get(r->report, "reason")), reason);
	if (sig)
		cr_assert_eq(jint(r->report, "signal"), sig);
	cr_assert_eq(site_bytes(r->report, "mode_leak"), 77);
}

Test(robust, exit_writes_report, .timeout = 60)
{
	lt_run_t r;
	run_mode(&r, "exit");
	cr_assert_eq(r.status, 0);
	assert_exit_report(&r, "exit", 0);
	lt_e2e_free(&r);
}

Test(robust, return_from_main_with_threads_running, .timeout = 60)
{
	lt_run_t r;
	run_mode(&r, "return");
	cr_assert_eq(r.status, 0);
	assert_exit_report(&r, "exit", 0);
	lt_e2e_free(&r);
}

Test(robust, exit_while_threads_allocate, .timeout = 60)
{
	for (int i = 0; i < 5; i++) {      /* the race is timing-dependent */
		lt_run_t r;
		run_mode(&r, "exit_threads");
		cr_assert_eq(r.status, 0);
		assert_exit_report(&r, "exit", 0);
		lt_e2e_free(&r);
	}
}

Test(robust, _exit_skips_the_report, .timeout = 60)
{
	lt_run_t r;
	run_mode(&r, "_exit");
	cr_assert_eq(r.status, 5);
	cr_assert_eq(r.nreports, 0);
	lt_e2e_free(&r);
}

Test(robust, quick_exit_skips_the_report, .timeout = 60)
{
	lt_run_t r;
	run_mode(&r, "quick_exit");
	cr_assert_eq(r.status, 6);
	cr_assert_str_eq(r.out, "before\nquick_exit handler\n");
	cr_assert_eq(r.nreports, 0);
	lt_e2e_free(&r);
}

Test(robust, abort_reports_then_dies_of_sigabrt, .timeout = 60)
{
	lt_run_t r;
	run_mode(&r, "abort");
	cr_assert_eq(r.status, 128 + SIGABRT);
	assert_exit_report(&r, "signal", SIGABRT);
	lt_e2e_free(&r);
}

Test(robust, sigterm_reports_then_dies_of_sigterm, .timeout = 60)
{
	lt_run_t r;
	run_mode(&r, "sigterm");
	cr_assert_eq(r.status, 128 + SIGTERM);
	assert_exit_report(&r, "signal", SIGTERM);
	lt_e2e_free(&r);
}

Test(robust, segv_reports_then_dies_of_sigsegv, .timeout = 60)
{
	lt_run_t r;
	run_mode(&r, "segv");
	cr_assert_eq(r.status, 128 + SIGSEGV);
	assert_exit_report(&r, "signal", SIGSEGV);
	lt_e2e_free(&r);
}

Test(robust, signal_report_off_dies_without_report, .timeout = 60)
{
	lt_run_t r;
	char *argv[] = { "sigterm", NULL };
	cr_assert_eq(lt_e2e_run(&r, "exit_modes", "exitcode=0:signal_report=0", argv), 0);
	cr_assert_eq(r.status, 128 + SIGTERM);
	cr_assert_eq(r.nreports, 0);
	lt_e2e_free(&r);
}

/* ---- signals ------------------------------------------------------------- */

Test(robust, malloc_in_signal_handler_does_not_deadlock, .timeout = 60)
{
	lt_run_t r;
	time_t t0 = time(NULL);
	RUN(r, "signal_alloc", "exitcode=0", NULL);
	cr_assert_eq(r.status, 0, "status %d (a hang is killed: 137); stderr: %s", r.status, r.err);
	cr_assert_lt(time(NULL) - t0, 30);
	cr_assert_str_eq(r.out, "handled many\n");
	cr_assert_eq(r.nreports, 1);
	long long b, c;
	site_total(r.report, "main_leak", &b, &c);
	cr_assert_eq(b, 400);
	cr_assert_eq(c, 10);
	/* the handler freed every block it took */
	site_total(r.report, "on_alarm", &b, &c);
	cr_assert_eq(c, 0);
	lt_e2e_free(&r);
}

Test(robust, snapshot_storm_during_threaded_allocation, .timeout = 120)
{
	char dir[] = "/tmp/lt-storm-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char opts[256];
	snprintf(opts, sizeof opts, "exitcode=0:output=%s/s.%%p.%%n.json", dir);
	lt_run_t r;
	RUN(r, "snapshot_storm", opts, NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "storm done\n");
	reports_t rs;
	load_dir(&rs, dir, ".json");
	cr_assert_eq(rs.bad, 0, "%d snapshot files do not parse", rs.bad);
	cr_assert_eq(rs.tmp, 0);
	/* a burst coalesces into whole reports: at least one snapshot, at
	 * most one per signal, sequences 0..n-1 with the exit report last */
	cr_assert_geq(rs.n, 2);
	cr_assert_leq(rs.n, 31);
	int seen[32] = { 0 };
	for (int i = 0; i < rs.n; i++) {
		long long seq = jint(rs.rep[i], "sequence");
		cr_assert(seq >= 0 && seq < rs.n, "sequence %lld of %d reports", seq, rs.n);
		cr_assert_eq(seen[seq]++, 0, "sequence %lld twice", seq);
		const char *reason = json_string_value(json_object_get(rs.rep[i], "reason"));
		cr_assert_str_eq(reason, seq == rs.n - 1 ? "exit" : "snapshot");
		if (seq == rs.n - 1)
			cr_assert_eq(site_bytes(rs.rep[i], "storm_leak"), 192);
	}
	free_reports(&rs);
	lt_e2e_free(&r);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* A program that resets the snapshot signal to SIG_DFL (as git does
 * before exec) keeps snapshots, reads back SIG_DFL, and sees no warning. */
Test(robust, sig_dfl_on_snapshot_signal_keeps_snapshots_quietly, .timeout = 60)
{
	char dir[] = "/tmp/lt-dfl-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char opts[256];
	snprintf(opts, sizeof opts, "exitcode=0:output=%s/s.%%p.%%n.json", dir);
	lt_run_t r;
	RUN(r, "exit_modes", opts, "usr1_default", NULL);
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_assert_str_eq(r.out, "before\nusr1 default\n");
	cr_assert_str_eq(r.err, "");
	reports_t rs;
	load_dir(&rs, dir, ".json");
	cr_assert_eq(rs.n, 2);
	for (int i = 0; i < rs.n; i++) {
		long long seq = jint(rs.rep[i], "sequence");
		cr_assert_str_eq(json_string_value(json_object_get(rs.rep[i], "reason")),
				 seq == 0 ? "snapshot" : "exit");
		cr_assert_eq(site_bytes(rs.rep[i], "mode_leak"), 77);
	}
	free_reports(&rs);
	lt_e2e_free(&r);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* ---- target behaviour unchanged ------------------------------------------ */

Test(robust, errno_after_interposed_calls, .timeout = 60)
{
	lt_run_t r, n;
	RUN(r, "errno_keep", "exitcode=0", NULL);
	cr_assert_eq(lt_e2e_run_native(&n, "errno_keep", NULL), 0);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, n.out, "under the shim:\n%s\nnative:\n%s", r.out, n.out);
	cr_assert_str_eq(r.err, n.err);
	/* and the native figures are what the program is about */
	cr_assert(strstr(n.out, "malloc huge NULL  errno=ENOMEM\n"), "%s", n.out);
	cr_assert(strstr(n.out, "calloc overflow NULL  errno=ENOMEM\n"));
	cr_assert(strstr(n.out, "free keeps errno=EINTR\n"));
	cr_assert(strstr(n.out, "free after realloc keeps errno=ENOSPC\n"));
	cr_assert(strstr(n.out, "posix_memalign bad align rc=EINVAL  errno=0\n"));
	cr_assert(strstr(n.out, "open missing fd=-1  errno=ENOENT\n"));
	cr_assert(strstr(n.out, "close ok keeps errno=EDOM\n"));
	lt_e2e_free(&r);
	lt_e2e_free(&n);
}

Test(robust, near_rlimit_nofile_same_descriptors, .timeout = 60)
{
	lt_run_t r, n;
	RUN(r, "nofile_limit", "exitcode=0", NULL);
	cr_assert_eq(lt_e2e_run_native(&n, "nofile_limit", NULL), 0);
	cr_assert_eq(r.status, n.status);
	cr_assert(strstr(n.out, "errno=EMFILE"), "%s", n.out);
	cr_assert_str_eq(r.out, n.out, "the tracer used descriptors of the program:\nshim: %s\nnative: %s",
			 r.out, n.out);
	cr_assert_eq(r.nreports, 1);
	cr_assert_eq(site_bytes(r.report, "fd_leak"), 8);
	lt_e2e_free(&r);
	lt_e2e_free(&n);
}

Test(robust, no_descriptor_left_for_the_report_falls_back_to_stderr, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "nofile_limit", "exitcode=0", "keep", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert_eq(r.nreports, 0);
	/* one warning per thing that needed a descriptor: /proc/self/maps
	 * (without the readable mappings the scan would read blind, so blocks
	 * are left unclassified), the /proc/self/fd listing and the report
	 * file */
	cr_assert_eq(count_lines_with(r.err, "leaktrace: warning:"), 3, "stderr: %s", r.err);
	cr_assert(strstr(r.err, "leaktrace: warning: cannot read /proc/self/maps (Too many open files); blocks are not classified\n"),
		  "stderr: %s", r.err);
	cr_assert(strstr(r.err, "leaktrace: warning: cannot list /proc/self/fd; handles are not reported\n"),
		  "stderr: %s", r.err);
	cr_assert(strstr(r.err, ": Too many open files; writing it to stderr\n"), "stderr: %s", r.err);
	cr_assert(strstr(r.err, "\"tool\": \"leaktrace\""), "no report on stderr: %s", r.err);
	lt_e2e_free(&r);
}

/* ---- output -------------------------------------------------------------- */

/* The report goes to a private file in $TMPDIR, named on one line; the
 * program's stderr gets nothing else (test_proc.c checks the file). */
Test(robust, unwritable_output_one_warning_naming_the_fallback_file, .timeout = 60)
{
	lt_run_t r;
	RUN(r, "exit_modes", "exitcode=0:output=/nonexistent-leaktrace-dir/r.%p.json", "exit", NULL);
	cr_assert_eq(r.status, 0);
	cr_assert_str_eq(r.out, "before\n");
	cr_assert_eq(count_lines_with(r.err, "\n"), 1, "stderr: %s", r.err);
	cr_assert(strstr(r.err, "leaktrace: warning: cannot write report to /nonexistent-leaktrace-dir/r."));
	const char *p = strstr(r.err, "; report written to /");
	cr_assert_not_null(p, "%s", r.err);
	char path[400];
	snprintf(path, sizeof path, "%.*s", (int)strcspn(p + 20, "\n"), p + 20);
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);
	cr_assert_not_null(j, "%s does not parse: %s", path, jerr.text);
	cr_assert_eq(site_bytes(j, "mode_leak"), 77);
	json_decref(j);
	unlink(path);
	lt_e2e_free(&r);
}

Test(robust, report_file_is_0600_and_symlink_not_followed, .timeout = 60)
{
	char dir[] = "/tmp/lt-link-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char victim[300], link[300], opts[400];
	snprintf(victim, sizeof victim, "%s/victim", dir);
	snprintf(link, sizeof link, "%s/report.json", dir);
	FILE *f = fopen(victim, "w");
	fputs("precious\n", f);
	fclose(f);
	cr_assert_eq(symlink(victim, link), 0);
	snprintf(opts, sizeof opts, "exitcode=0:output=%s", link);
	mode_t old = umask(0);      /* the mode must not come from the umask */
	lt_run_t r;
	RUN(r, "exit_modes", opts, "exit", NULL);
	umask(old);
	cr_assert_eq(r.status, 0);
	struct stat st;
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISREG(st.st_mode), "the report path is still a symlink");
	cr_assert_eq(st.st_mode & 0777, 0600, "mode %o", st.st_mode & 0777);
	char buf[64] = { 0 };
	f = fopen(victim, "r");
	cr_assert_not_null(fgets(buf, sizeof buf, f));
	fclose(f);
	cr_assert_str_eq(buf, "precious\n", "the symlink target was written");
	json_error_t jerr;
	json_t *j = json_load_file(link, 0, &jerr);
	cr_assert_not_null(j);
	cr_assert_eq(site_bytes(j, "mode_leak"), 77);
	json_decref(j);
	lt_e2e_free(&r);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

/* Run a program with stderr on a pipe (RLIMIT_FSIZE would cut a file). */
static int run_piped(const char *prog, const char *options, char *err, size_t cap)
{
	int p[2];
	cr_assert_eq(pipe(p), 0);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 2);
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		close(p[0]);
		close(p[1]);
		setenv("LEAKTRACE_OPTIONS", options, 1);
		setenv("LD_PRELOAD", getenv("LT_SHIM"), 1);
		execl(prog, prog, (char *)NULL);
		_exit(126);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t k;
	while ((k = read(p[0], err + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	err[n] = 0;
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(robust, full_disk_leaves_no_partial_report, .timeout = 60)
{
	char dir[] = "/tmp/lt-full-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char opts[300];
	snprintf(opts, sizeof opts, "format=json:exitcode=0:output=%s/r.%%p.json", dir);
	static char err[1 << 20];
	const char *prog = lt_e2e_program("fsize_limit");
	cr_assert_not_null(prog);
	cr_assert_eq(run_piped(prog, opts, err, sizeof err), 0, "stderr: %s", err);
	/* the write fails (EFBIG, as ENOSPC would): no file at all is left,
	 * neither the report nor its temp file */
	DIR *d = opendir(dir);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)))
		files += e->d_name[0] != '.';
	closedir(d);
	cr_assert_eq(files, 0, "%d files left in %s", files, dir);
	cr_assert_eq(count_lines_with(err, "leaktrace: warning:"), 1, "stderr: %s", err);
	cr_assert(strstr(err, "File too large"), "stderr: %.300s", err);
	json_error_t jerr;
	json_t *j = json_loads(strchr(err, '{'), 0, &jerr);
	cr_assert_not_null(j, "stderr report: %s", jerr.text);
	cr_assert_eq(site_bytes(j, "disk_leak"), 33);
	json_decref(j);
	rmdir(dir);
}

/* A setuid program (linked against the shim, since the loader ignores
 * LD_PRELOAD paths there) must ignore output= from the environment. */
Test(robust, secure_execution_ignores_file_options, .timeout = 60)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to make a setuid test binary");
	struct passwd *pw = getpwnam("nobody");
	if (!pw)
		cr_skip_test("no user nobody");
	char dir[] = "/tmp/lt-suid-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	chmod(dir, 0755);
	char bin[300], cmd[1200], evil[300];
	snprintf(bin, sizeof bin, "%s/linked_leak", dir);
	snprintf(evil, sizeof evil, "%s/evil.json", dir);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chown nobody '%s' && chmod 4755 '%s'",
		 lt_e2e_program("linked_leak"), bin, bin, bin);
	cr_assert_eq(system(cmd), 0);
	/* root runs a binary that is setuid nobody: euid != ruid, AT_SECURE */
	snprintf(cmd, sizeof cmd,
		 "cd / && LEAKTRACE_OPTIONS='format=json:exitcode=0:output=%s' '%s' exit 2>'%s/err' >/dev/null",
		 evil, bin, dir);
	int rc = system(cmd);
	char errp[300];
	snprintf(errp, sizeof errp, "%s/err", dir);
	FILE *f = fopen(errp, "r");
	static char err[1 << 18];
	size_t n = f ? fread(err, 1, sizeof err - 1, f) : 0;
	err[n] = 0;
	if (f)
		fclose(f);
	if (strstr(err, "error while loading shared libraries"))
		cr_skip_test("the loader refused the shim in secure mode here: %s", err);
	cr_assert_eq(WEXITSTATUS(rc), 0, "stderr: %s", err);
	struct stat st;
	cr_assert_neq(stat(evil, &st), 0, "output= was honoured in a setuid process");
	cr_assert(strstr(err, "option output ignored: secure-execution"), "stderr: %.400s", err);
	cr_assert(strstr(err, "\"tool\": \"leaktrace\""), "no report on stderr");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}
