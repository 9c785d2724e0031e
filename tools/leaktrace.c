/* The leaktrace command: subcommand dispatch. Running a program is the
 * default (`leaktrace [options] -- PROGRAM`); `diff`, `report` and
 * `snapshot` work on reports and running processes. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
	{ "run", lt_cmd_run },
	{ "diff", lt_cmd_diff },
	{ "report", lt_cmd_report },
	{ "snapshot", lt_cmd_snapshot },
};

int lt_tool_after_run(pid_t pid, const char *output, const char *html, int status)
{
	char path[4096];
	/* the report file name follows the output pattern with %p = pid and
	 * %n = 0 (the exit report is the first of its process) */
	size_t n = 0;
	for (const char *p = output; *p && n + 32 < sizeof path; p++) {
		if (*p == '%' && p[1] == 'p') {
			n += (size_t)snprintf(path + n, sizeof path - n, "%d", (int)pid);
			p++;
		} else if (*p == '%' && p[1] == 'n') {
			path[n++] = '0';
			p++;
		} else if (*p == '%' && p[1] == '%') {
			path[n++] = '%';
			p++;
		} else {
			path[n++] = *p;
		}
	}
	path[n] = 0;
	char *argv[] = { "report", "--html", (char *)html, path, NULL };
	if (access(path, R_OK) == 0) {
		if (lt_cmd_report(4, argv) == 0)
			fprintf(stderr, "leaktrace: wrote %s\n", html);
	} else {
		fprintf(stderr, "leaktrace: warning: no report at %s; no page written\n", path);
	}
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 2) {
		for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
			if (!strcmp(argv[1], cmds[i].name))
				return cmds[i].fn(argc - 1, argv + 1);
	}
	return lt_cmd_run(argc, argv);
}
