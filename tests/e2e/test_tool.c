/* End-to-end tests of the leaktrace command as a launcher: it finds the
 * library, turns flags into LEAKTRACE_OPTIONS (after the environment's, so
 * flags win), keeps an LD_PRELOAD already set, passes the program's exit
 * status through, and renders the HTML page after the run on request. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static char dir[64];

static void mk(void)
{
	strcpy(dir, "/tmp/lt-tool-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);
	cr_assert_not_null(j, "%s: %s", path, e.text);
	return j;
}

Test(tool, runs_program_with_flags, .init = mk, .timeout = 60)
{
	char out[128], *o, *e;
	snprintf(out, sizeof out, "--output=%s/r.json", dir);
	char *argv[] = { getenv("LT_TOOL"), "--format=json", out, "--depth=3", "--",
			 (char *)lt_e2e_program("gate_status"), "leak", NULL };
	int st = lt_e2e_command(argv, &o, &e);
	cr_assert_eq(st, 23, "stderr: %s", e);
	cr_assert_str_eq(o, "bye\n");
	char path[160];
	snprintf(path, sizeof path, "%s/r.json", dir);
	json_t *j = load(path);
	json_t *g = json_array_get(json_object_get(j, "leaks"), 0);
	cr_assert_eq(json_integer_value(json_object_get(g, "bytes")), 40);
	cr_assert_leq(json_array_size(json_object_get(g, "stack")), 3, "--depth=3 reached the shim");
	json_decref(j);
	free(o);
	free(e);
}

Test(tool, exitcode_flag_and_status_passthrough, .init = mk, .timeout = 60)
{
	char *o, *e;
	char *clean[] = { getenv("LT_TOOL"), "--", (char *)lt_e2e_program("gate_status"), "x", NULL };
	cr_assert_eq(lt_e2e_command(clean, &o, &e), 3, "the program's own status: %s", e);
	free(o); free(e);
	char *off[] = { getenv("LT_TOOL"), "--exitcode=0", "--", (char *)lt_e2e_program("gate_status"),
			"leak", NULL };
	cr_assert_eq(lt_e2e_command(off, &o, &e), 3);
	cr_assert(strstr(e, "SUMMARY: leaktrace: 40 byte(s) leaked in 1 allocation(s)"), "%s", e);
	free(o); free(e);
}

Test(tool, keeps_existing_ld_preload_and_env_options, .init = mk, .timeout = 60)
{
	/* (bash, not dash: dash leaves with _exit, which skips reports)
	 * an LD_PRELOAD already set stays after ours; the environment's
	 * options apply unless a flag says otherwise */
	char *o, *e;
	setenv("LD_PRELOAD", "libm.so.6", 1);
	setenv("LEAKTRACE_OPTIONS", "exitcode=9:format=json:output=stderr", 1);
	char *argv[] = { getenv("LT_TOOL"), "--format=text", "--", "/bin/bash", "-c",
			 "echo \"$LD_PRELOAD\"", NULL };
	int st = lt_e2e_command(argv, &o, &e);
	unsetenv("LD_PRELOAD");
	unsetenv("LEAKTRACE_OPTIONS");
	cr_assert_eq(st, 0, "stderr: %s", e);
	cr_assert(strstr(o, "libleaktrace.so:libm.so.6\n"), "LD_PRELOAD seen by the program: %s", o);
	cr_assert(strstr(e, "SUMMARY: leaktrace:"), "text format from the flag: %s", e);
	free(o); free(e);
}

Test(tool, html_after_run, .init = mk, .timeout = 120)
{
	char out[128], html[128], *o, *e;
	snprintf(out, sizeof out, "--output=%s/r.%%p.json", dir);
	snprintf(html, sizeof html, "--html=%s/page.html", dir);
	char *argv[] = { getenv("LT_TOOL"), "--format=json", out, html, "--",
			 (char *)lt_e2e_program("call_sites"), NULL };
	cr_assert_eq(lt_e2e_command(argv, &o, &e), 23, "stderr: %s", e);
	char path[160];
	snprintf(path, sizeof path, "%s/page.html", dir);
	struct stat st;
	cr_assert_eq(stat(path, &st), 0, "no page: %s", e);
	cr_assert_gt(st.st_size, 1000);
	free(o); free(e);
}

Test(tool, usage_errors, .timeout = 60)
{
	char *o, *e;
	char *none[] = { getenv("LT_TOOL"), NULL };
	cr_assert_eq(lt_e2e_command(none, &o, &e), 2);
	cr_assert(strstr(e, "leaktrace: error: no program to run"), "%s", e);
	free(o); free(e);
	char *missing[] = { getenv("LT_TOOL"), "--", "/nonexistent/program", NULL };
	cr_assert_eq(lt_e2e_command(missing, &o, &e), 127);
	cr_assert(strstr(e, "leaktrace: error: cannot run /nonexistent/program"), "%s", e);
	free(o); free(e);
	char *notpid[] = { getenv("LT_TOOL"), "snapshot", "abc", NULL };
	cr_assert_eq(lt_e2e_command(notpid, &o, &e), 2);
	cr_assert(strstr(e, "'abc' is not a process id"), "%s", e);
	free(o); free(e);
}

/* ---- the launcher gates the process tree -------------------------------- */

static int count_prefix_lines(const char *s, const char *prefix)
{
	int n = 0;
	for (const char *p = s; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			n++;
	return n;
}

Test(tool, bash_subshell_keeps_status, .timeout = 60)
{
	/* valgrind --trace-children=yes --error-exitcode=23: "got hi", 0 */
	char *o, *e;
	char *argv[] = { getenv("LT_TOOL"), "--output=/dev/null", "--", "/bin/bash", "-c",
			 "set -e; x=$(echo hi); echo got $x", NULL };
	cr_assert_eq(lt_e2e_command(argv, &o, &e), 0, "stderr: %s", e);
	cr_assert_str_eq(o, "got hi\n");
	cr_assert_eq(count_prefix_lines(e, "leaktrace: process "), 0, "%s", e);
	free(o); free(e);
}

Test(tool, sh_c_leaky_fails, .timeout = 60)
{
	char *o, *e;
	char *argv[] = { getenv("LT_TOOL"), "--output=/dev/null", "--", "/bin/sh", "-c",
			 (char *)lt_e2e_program("tree_leaf"), NULL };
	cr_assert_eq(lt_e2e_command(argv, &o, &e), 23, "stderr: %s", e);
	free(o); free(e);
}

/* bash ignores the leaf's status; the launcher still fails, with one line
 * naming the leaf (memcheck on tree_leaf: definitely lost 48 bytes in 1
 * block) and where its report went */
Test(tool, tree_gate_fails_when_a_leaf_leaked, .init = mk, .timeout = 60)
{
	char out[128], script[4200], *o, *e;
	snprintf(out, sizeof out, "--output=%s/r.%%p.json", dir);
	snprintf(script, sizeof script, "%s; true", lt_e2e_program("tree_leaf"));
	char *argv[] = { getenv("LT_TOOL"), "--format=json", out, "--", "/bin/bash", "-c", script,
			 NULL };
	cr_assert_eq(lt_e2e_command(argv, &o, &e), 23, "stderr: %s", e);
	const char *leaf = strstr(o, "leaf ");
	cr_assert_not_null(leaf, "%s", o);
	int pid = atoi(leaf + 5);
	char want[8600];
	snprintf(want, sizeof want, "leaktrace: process %d (%s) leaked 48 byte(s) and 0 handle(s); "
		 "report: %s/r.%d.json\n", pid, lt_e2e_program("tree_leaf"), dir, pid);
	cr_assert_eq(count_prefix_lines(e, "leaktrace: process "), 1, "%s", e);
	cr_assert(strstr(e, want), "want %s in: %s", want, e);
	free(o); free(e);
}

/* a launcher inside the tree forwards its verdicts to the outer one, so
 * ignoring the inner launcher's status does not hide the leak */
Test(tool, nested_launcher_forwards_verdicts, .timeout = 60)
{
	char script[4200], *o, *e;
	snprintf(script, sizeof script, "%s --output=/dev/null -- %s || true", getenv("LT_TOOL"),
		 lt_e2e_program("tree_leaf"));
	char *argv[] = { getenv("LT_TOOL"), "--output=/dev/null", "--", "/bin/bash", "-c", script,
			 NULL };
	cr_assert_eq(lt_e2e_command(argv, &o, &e), 23, "stderr: %s", e);
	free(o); free(e);
}

/* Every subcommand describes every flag with --help, and `leaktrace help
 * CMD` shows the same text instead of running a program called help. */
static char *help_of(char *const argv[])
{
	char *out, *err;
	cr_assert_eq(lt_e2e_command(argv, &out, &err), 0, "%s --help: %s", argv[1], err);
	cr_assert_str_eq(err, "");
	free(err);
	return out;
}

static void has_flags(const char *text, const char *const flags[])
{
	for (size_t i = 0; flags[i]; i++)
		cr_assert_not_null(strstr(text, flags[i]), "help lacks %s:\n%s", flags[i], text);
}

Test(tool, help_for_every_subcommand, .timeout = 60)
{
	char *t = getenv("LT_TOOL");
	static const char *const run_f[] = { "--output", "--format", "--depth", "--exitcode",
		"--suppressions", "--show-reachable", "--html", "--options", "--help", "--version",
		"leaktrace help", NULL };
	static const char *const diff_f[] = { "--json", "--fail-bytes", "1K = 1024",
		"--fail-blocks", "--fail-handles", "--help", "Exit status", NULL };
	static const char *const report_f[] = { "--format", "folded", "sarif", "--unit",
		"--all", "--source-root", "--html", "--help", NULL };
	static const char *const snap_f[] = { "--signal", "--timeout", "--count", "--interval",
		"--help", NULL };
	static const char *const supp_f[] = { "--from-valgrind", "--from-lsan", "--generate",
		"--output", "--help", NULL };
	struct { const char *cmd; const char *const *flags; } cases[] = {
		{ "run", run_f }, { "diff", diff_f }, { "report", report_f },
		{ "snapshot", snap_f }, { "suppressions", supp_f },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char *a[] = { t, (char *)cases[i].cmd, "--help", NULL };
		char *b[] = { t, "help", (char *)cases[i].cmd, NULL };
		char *x = help_of(a), *y = help_of(b);
		has_flags(x, cases[i].flags);
		cr_assert_str_eq(x, y, "leaktrace help %s differs from --help", cases[i].cmd);
		free(x);
		free(y);
	}
	char *top[] = { t, "--help", NULL };
	char *h = help_of(top);
	has_flags(h, run_f);
	free(h);
	char *o, *e;
	char *bogus[] = { t, "help", "nosuchcmd", NULL };
	cr_assert_eq(lt_e2e_command(bogus, &o, &e), 2);
	cr_assert_not_null(strstr(e, "leaktrace: error: help: no subcommand \"nosuchcmd\""), "%s", e);
	free(o);
	free(e);
}
