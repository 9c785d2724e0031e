/* `leaktrace [options] [--] PROGRAM [ARGS]`: run a program under the shim.
 * Finds libleaktrace.so (LEAKTRACE_LIB, the build tree next to this
 * executable, the library directory of the installed tree this executable
 * sits in wherever that tree was moved, or the configured library directory), prepends it to any
 * LD_PRELOAD already set, turns command-line flags into LEAKTRACE_OPTIONS
 * (after whatever the environment already says, so flags win), and runs
 * the program as a child: its exit status and signals are its own, or the
 * gate's.
 *
 * The launcher gates the whole process tree: it passes a private directory
 * in gate_dir, where every process that gates (not fork-only children, see
 * src/gate.c) leaves its verdict at exit. After the child exits it prints
 * one line per process that leaked and exits with the exitcode when the
 * child itself succeeded, so `leaktrace -- make check` fails when a test
 * leaked even if make or a shell ignored that test's status. A launcher
 * started under another one (a Makefile calling leaktrace) forwards the
 * failing verdicts to the outer directory too. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "log.h"
#include "options.h"

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
#if defined(LT_REL_BINDIR) && defined(LT_REL_LIBDIR)
			/* installed tree moved elsewhere (a .deb unpacked with dpkg -x, a
			 * DESTDIR staging dir, a relocated prefix): PREFIX/bin/leaktrace ->
			 * PREFIX/lib/<multiarch>/libleaktrace.so, from the configured layout */
			size_t blen = strlen(LT_REL_BINDIR), slen = strlen(self);
			if (slen > blen && self[slen - blen - 1] == '/' &&
			    strcmp(self + slen - blen, LT_REL_BINDIR) == 0) {
				snprintf(path, sizeof path, "%.*s/%s/libleaktrace.so",
					 (int)(slen - blen - 1), self, LT_REL_LIBDIR);
				if (exists(path))
					return path;
			}
#endif
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
		"       leaktrace suppressions --from-valgrind|--from-lsan|--generate FILE [-o OUT]\n"
		"       leaktrace help [run|diff|report|snapshot|suppressions]\n"
		"\n"
		"Each subcommand describes its flags with --help (leaktrace diff --help,\n"
		"or leaktrace help diff). A program named like a subcommand runs after --.\n"
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

/* ---- the tree gate -------------------------------------------------------- */

/* Parse an options string without the warnings (the program prints them). */
static void parse_quietly(lt_options_t *o, const char *opts)
{
	lt_opt_defaults(o);
	lt_log_mute(1);
	lt_opt_parse(o, opts, 0);
	lt_log_mute(0);
}

typedef struct verdict {
	long pid;
	int failed, ended;
	unsigned long long bytes, handles;
	char exe[PATH_MAX + 32], report[PATH_MAX + 32];
	char name[256];
} verdict_t;

static int read_record(const char *dir, const char *name, verdict_t *v)
{
	char path[PATH_MAX + 300], line[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	memset(v, 0, sizeof *v);
	snprintf(v->name, sizeof v->name, "%s", name);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "pid ", 4))
			v->pid = atol(line + 4);
		else if (!strncmp(line, "failed ", 7))
			v->failed = atoi(line + 7);
		else if (!strncmp(line, "leaked_bytes ", 13))
			v->bytes = strtoull(line + 13, NULL, 10);
		else if (!strncmp(line, "leaked_handles ", 15))
			v->handles = strtoull(line + 15, NULL, 10);
		else if (!strncmp(line, "exe ", 4))
			snprintf(v->exe, sizeof v->exe, "%s", line + 4);
		else if (!strncmp(line, "report ", 7))
			snprintf(v->report, sizeof v->report, "%s", line + 7);
	}
	fclose(f);
	return 0;
}

static int by_pid(const void *a, const void *b)
{
	const verdict_t *x = a, *y = b;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcmp(s + n - m, suf);
}

static void copy_file(const char *from, const char *todir, const char *name)
{
	char tmp[PATH_MAX + 300], to[PATH_MAX + 300], buf[8192];
	snprintf(tmp, sizeof tmp, "%s/%s.tmp", todir, name);
	snprintf(to, sizeof to, "%s/%s", todir, name);
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	ssize_t n = 0;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (in >= 0)
		close(in);
	if (out >= 0) {
		close(out);
		if (n < 0 || rename(tmp, to))
			unlink(tmp);
	}
}

/* Read the verdicts, print one line per process that leaked, forward them
 * to an outer launcher's directory, remove ours. Returns the number of
 * processes that failed the gate. */
static int collect(const char *dir, const char *outer)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	verdict_t *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		int end = has_suffix(e->d_name, ".end"), run = has_suffix(e->d_name, ".run");
		if (!end && !run)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			v = realloc(v, cap * sizeof *v);
			if (!v)
				break;
		}
		if (read_record(dir, e->d_name, &v[n]) == 0) {
			v[n].ended = end;
			n++;
		}
	}
	closedir(d);
	if (!v)
		n = 0;
	qsort(v, n, sizeof *v, by_pid);
	int failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i].ended && v[i].failed) {
			failed++;
			fprintf(stderr, "leaktrace: process %ld (%s) leaked %llu byte(s) and %llu "
					"handle(s); report: %s\n", v[i].pid, v[i].exe, v[i].bytes,
				v[i].handles, v[i].report);
			if (outer && outer[0]) {
				char from[PATH_MAX + 300];
				snprintf(from, sizeof from, "%s/%s", dir, v[i].name);
				copy_file(from, outer, v[i].name);
			}
		} else if (!v[i].ended && kill((pid_t)v[i].pid, 0) == 0) {
			/* a daemon the tree started: its verdict comes too late */
			fprintf(stderr, "leaktrace: process %ld (%s) is still running; its leaks are "
					"not gated\n", v[i].pid, v[i].exe);
		}
	}
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX + 300];
		snprintf(path, sizeof path, "%s/%s", dir, v[i].name);
		unlink(path);
	}
	free(v);
	/* a daemon still running writes into a directory that is gone, and
	 * says nothing; rmdir fails if it just wrote a temp file: leave it */
	rmdir(dir);
	return failed;
}

static pid_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
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
	/* the tree gate, unless the gate is off */
	lt_options_t *o = calloc(1, sizeof *o);
	char outer[LT_OPT_STR_MAX] = "", gate_dir[PATH_MAX] = "";
	if (!o) {
		fprintf(stderr, "leaktrace: error: out of memory\n");
		return 2;
	}
	if (env && *env) {
		parse_quietly(o, env);
		snprintf(outer, sizeof outer, "%s", o->gate_dir);
	}
	parse_quietly(o, opts);
	long exitcode = o->exitcode;
	free(o);
	if (exitcode) {
		const char *tmpdir = getenv("TMPDIR");
		snprintf(gate_dir, sizeof gate_dir, "%s/leaktrace-gate.XXXXXX",
			 tmpdir && *tmpdir ? tmpdir : "/tmp");
		if (!mkdtemp(gate_dir)) {
			fprintf(stderr, "leaktrace: warning: cannot create %s: %s; only the program's "
					"own status gates\n", gate_dir, strerror(errno));
			gate_dir[0] = 0;
		} else {
			append_kv(opts, sizeof opts, "gate_dir", gate_dir);
		}
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
	if (html && (!output || !strcmp(output, "stderr"))) {
		fprintf(stderr, "leaktrace: error: --html needs --output=FILE and --format=json or both\n");
		if (gate_dir[0])
			rmdir(gate_dir);
		return 2;
	}
	if (!html && !gate_dir[0]) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "leaktrace: error: cannot run %s: %s\n", argv[optind], strerror(errno));
		return 127;
	}
	/* Ctrl-C and Ctrl-\ reach the whole foreground group, the child
	 * included: the launcher stays to collect (as system() does);
	 * termination requests sent to the launcher alone go on to the child */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, forward);
	signal(SIGHUP, forward);
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "leaktrace: error: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "leaktrace: error: cannot run %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	unsetenv("LD_PRELOAD");
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	int failed = gate_dir[0] ? collect(gate_dir, outer) : 0;
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	/* the program's own failure (or signal) wins; else the tree's leaks */
	if (failed && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		status = (int)(exitcode & 0xff) << 8;
	if (html)
		return lt_tool_after_run(pid, output, html, status);
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
