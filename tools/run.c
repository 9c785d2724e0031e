/* `leaktrace [options] [--] PROGRAM [ARGS]`: run a program under the shim.
 * Finds libleaktrace.so (LEAKTRACE_LIB, the build tree next to this
 * executable, or the installed library directory), prepends it to any
 * LD_PRELOAD already set, turns command-line flags into LEAKTRACE_OPTIONS
 * (after whatever the environment already says, so flags win), and execs
 * the program: its exit status and signals are its own, or the gate's. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"

static int exists(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

const char *lt_tool_find_lib(void)
{
	static char path[PATH_MAX];
	const char *env = getenv("LEAKTRACE_LIB");
	if (env && *env)
		return env;
	char self[PATH_MAX - 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			/* build tree: build/tools/leaktrace -> build/src/libleaktrace.so */
			snprintf(path, sizeof path, "%s/../src/libleaktrace.so", self);
			if (exists(path))
				return path;
		}
	}
	snprintf(path, sizeof path, "%s/libleaktrace.so", LT_LIBDIR);
	if (exists(path))
		return path;
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: leaktrace [options] [--] PROGRAM [ARGS...]\n"
		"       leaktrace diff [options] OLD.json NEW.json\n"
		"       leaktrace report [options] FILE.json [MORE.json...]\n"
		"       leaktrace snapshot [options] PID\n"
		"\n"
		"Run PROGRAM with libleaktrace.so preloaded and report the memory and\n"
		"handles it leaks. Options for running:\n"
		"  -o, --output=PATTERN    report destination: stderr (default) or a file\n"
		"                          pattern with %%p (pid) and %%n (sequence)\n"
		"  -f, --format=FMT        text (default), json, or both (JSON to --output,\n"
		"                          text to stderr)\n"
		"  -d, --depth=N           stack frames per allocation (default 16)\n"
		"  -e, --exitcode=N        exit status when leaks are found (default 23;\n"
		"                          0 turns the gate off)\n"
		"  -s, --suppressions=FILE suppression file (repeatable)\n"
		"      --show-reachable    show still reachable blocks in the text report\n"
		"      --html=FILE         after the run, render the JSON report as a page\n"
		"                          (needs --output to a file and --format=json|both)\n"
		"  -O, --options=K=V:...   any other LEAKTRACE_OPTIONS (see libleaktrace(7))\n"
		"  -h, --help              this help\n"
		"  -V, --version           print the version\n"
		"\n"
		"See leaktrace(1), libleaktrace(7) and leaktrace-json(5).\n");
}

static void append(char *opts, size_t cap, const char *kv)
{
	size_t n = strlen(opts);
	snprintf(opts + n, cap - n, "%s%s", n ? ":" : "", kv);
}

/* Quote a value for LEAKTRACE_OPTIONS when it contains ':' */
static void append_kv(char *opts, size_t cap, const char *key, const char *val)
{
	char kv[PATH_MAX + 64];
	if (strchr(val, ':'))
		snprintf(kv, sizeof kv, "%s=\"%s\"", key, val);
	else
		snprintf(kv, sizeof kv, "%s=%s", key, val);
	append(opts, cap, kv);
}

int lt_cmd_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, 0, 'o' },
		{ "format", required_argument, 0, 'f' },
		{ "depth", required_argument, 0, 'd' },
		{ "exitcode", required_argument, 0, 'e' },
		{ "suppressions", required_argument, 0, 's' },
		{ "show-reachable", no_argument, 0, 'R' },
		{ "html", required_argument, 0, 'H' },
		{ "options", required_argument, 0, 'O' },
		{ "help", no_argument, 0, 'h' },
		{ "version", no_argument, 0, 'V' },
		{ 0, 0, 0, 0 },
	};
	char opts[8192] = "";
	char supp[PATH_MAX * 4] = "";
	const char *html = NULL, *output = NULL;
	int c;
	const char *env = getenv("LEAKTRACE_OPTIONS");
	if (env && *env)
		snprintf(opts, sizeof opts, "%s", env);
	/* '+': stop at the first non-option, the program */
	while ((c = getopt_long(argc, argv, "+o:f:d:e:s:O:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'o': append_kv(opts, sizeof opts, "output", optarg); output = optarg; break;
		case 'f': append_kv(opts, sizeof opts, "format", optarg); break;
		case 'd': append_kv(opts, sizeof opts, "depth", optarg); break;
		case 'e': append_kv(opts, sizeof opts, "exitcode", optarg); break;
		case 's':
			snprintf(supp + strlen(supp), sizeof supp - strlen(supp), "%s%s",
				 supp[0] ? "," : "", optarg);
			break;
		case 'R': append(opts, sizeof opts, "show_classes=all"); break;
		case 'H': html = optarg; break;
		case 'O': append(opts, sizeof opts, optarg); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("leaktrace %s\n", LT_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (supp[0])
		append_kv(opts, sizeof opts, "suppressions", supp);
	if (optind >= argc) {
		fprintf(stderr, "leaktrace: error: no program to run\n");
		usage(stderr);
		return 2;
	}
	const char *lib = lt_tool_find_lib();
	if (!lib) {
		fprintf(stderr, "leaktrace: error: libleaktrace.so not found (set LEAKTRACE_LIB or install leaktrace)\n");
		return 2;
	}
	char preload[PATH_MAX * 2];
	const char *old = getenv("LD_PRELOAD");
	if (old && *old)
		snprintf(preload, sizeof preload, "%s:%s", lib, old);
	else
		snprintf(preload, sizeof preload, "%s", lib);
	setenv("LD_PRELOAD", preload, 1);
	if (opts[0])
		setenv("LEAKTRACE_OPTIONS", opts, 1);
	if (!html) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "leaktrace: error: cannot run %s: %s\n", argv[optind], strerror(errno));
		return 127;
	}
	if (!output || !strcmp(output, "stderr")) {
		fprintf(stderr, "leaktrace: error: --html needs --output=FILE and --format=json or both\n");
		return 2;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "leaktrace: error: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "leaktrace: error: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	unsetenv("LD_PRELOAD");
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return lt_tool_after_run(pid, output, html, status);
}
