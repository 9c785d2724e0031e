/* The leaktrace command: subcommand dispatch. Running a program is the
 * default (`leaktrace [options] -- PROGRAM`); `diff`, `report`, `trend` and
 * `snapshot` work on reports and running processes; `suppressions` converts
 * and generates suppression files. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "outpat.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
	{ "run", lt_cmd_run },
	{ "diff", lt_cmd_diff },
	{ "report", lt_cmd_report },
	{ "snapshot", lt_cmd_snapshot },
	{ "suppressions", lt_cmd_suppressions },
	{ "trend", lt_cmd_trend },
};

int lt_tool_after_run(pid_t pid, const char *output, const char *html, int status)
{
	char path[4096];
	/* the report file name follows the output pattern with %p = pid and
	 * %n = 0 (the exit report is the first of its process) */
	if (lt_out_expand(output, (int)pid, 0, path, sizeof path)) {
		fprintf(stderr, "leaktrace: warning: --output=%s is not a valid pattern; no page written\n",
			output);
		path[0] = 0;
	}
	char *argv[] = { "report", "--html", (char *)html, path, NULL };
	if (path[0] && access(path, R_OK) == 0) {
		if (lt_cmd_report(4, argv) == 0)
			fprintf(stderr, "leaktrace: wrote %s\n", html);
	} else if (path[0]) {
		fprintf(stderr, "leaktrace: warning: no report at %s; no page written\n", path);
	}
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* `leaktrace help [SUBCOMMAND]`: the subcommand's --help (the launcher's
 * without one). A program called help runs as `leaktrace -- help`. */
static int help(int argc, char **argv)
{
	char opt[] = "--help";
	if (argc < 3) {
		char *av[] = { argv[0], opt, NULL };
		return lt_cmd_run(2, av);
	}
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[2], cmds[i].name)) {
			char *av[] = { argv[2], opt, NULL };
			return cmds[i].fn(2, av);
		}
	fprintf(stderr, "leaktrace: error: help: no subcommand \"%s\" (run, diff, report, "
			"snapshot, suppressions); to run a program called %s: leaktrace -- %s\n",
		argv[2], argv[2], argv[2]);
	return 2;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "help"))
		return help(argc, argv);
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 1, argv + 1);
	}
	return lt_cmd_run(argc, argv);
}
