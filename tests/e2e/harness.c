/* End-to-end harness (see harness.h). */
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#define TIMEOUT_S 60

static char *find_in(const char *dir, const char *name, int depth)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct stat st;
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
		return strdup(path);
	if (depth == 0)
		return NULL;
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	struct dirent *e;
	char *found = NULL;
	while (!found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			found = find_in(path, name, depth - 1);
	}
	closedir(d);
	return found;
}

const char *lt_e2e_program(const char *name)
{
	/* an installed program (curl, ssh...) by its absolute path */
	if (name[0] == '/')
		return access(name, X_OK) == 0 ? name : NULL;
	const char *root = getenv("LT_PROGRAMS");
	if (!root)
		return NULL;
	static __thread char buf[PATH_MAX];
	char *p = find_in(root, name, 2);
	if (!p)
		return NULL;
	snprintf(buf, sizeof buf, "%s", p);
	free(p);
	return buf;
}

static char *slurp_fd(int fd)
{
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (n + 1 >= cap)
			b = realloc(b, cap *= 2);
		ssize_t r = read(fd, b + n, cap - n - 1);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	b[n] = 0;
	return b;
}

static int start(lt_run_t *r, const char *name, const char *options, char *const argv[],
		 const char *extra_env, int shim)
{
	memset(r, 0, sizeof *r);
	r->status = -1;
	const char *prog = lt_e2e_program(name);
	if (!prog) {
		fprintf(stderr, "harness: program %s not found under $LT_PROGRAMS\n", name);
		return -1;
	}
	snprintf(r->dir, sizeof r->dir, "/tmp/lt-e2e-XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	char outp[300], errp[300];
	snprintf(outp, sizeof outp, "%s/stdout", r->dir);
	snprintf(errp, sizeof errp, "%s/stderr", r->dir);

	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int in = open("/dev/null", O_RDONLY);
		dup2(o, 1);
		dup2(e, 2);
		dup2(in, 0);
		close(o);
		close(e);
		close(in);
		/* no stray descriptors of the runner reach the program */
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		if (shim) {
			char opts[4096];
			/* stack_cache=verify: every cached stack of every run is
			 * also walked, and lt_e2e_wait fails the test on any
			 * disagreement (a test's own options come after) */
			snprintf(opts, sizeof opts,
				 "format=json:stack_cache=verify:output=%s/r.%%p.%%n.json%s%s", r->dir,
				 options && *options ? ":" : "", options ? options : "");
			setenv("LEAKTRACE_OPTIONS", opts, 1);
			setenv("LD_PRELOAD", getenv("LT_SHIM"), 1);
		} else {
			unsetenv("LD_PRELOAD");
			unsetenv("LEAKTRACE_OPTIONS");
		}
		if (extra_env)
			putenv(strdup(extra_env));
		char *args[64];
		int n = 0;
		args[n++] = (char *)prog;
		for (int i = 0; argv && argv[i] && n < 63; i++)
			args[n++] = argv[i];
		args[n] = NULL;
		execv(prog, args);
		_exit(126);
	}
	r->pid = pid;
	snprintf(r->name, sizeof r->name, "%s", name);
	return 0;
}

int lt_e2e_wait(lt_run_t *r)
{
	pid_t pid = r->pid;
	const char *name = r->name;
	char outp[300], errp[300];
	snprintf(outp, sizeof outp, "%s/stdout", r->dir);
	snprintf(errp, sizeof errp, "%s/stderr", r->dir);
	int status = 0;
	time_t deadline = time(NULL) + TIMEOUT_S;
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "harness: %s timed out after %d s\n", name, TIMEOUT_S);
			break;
		}
		usleep(2000);
	}
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->pid = 0;
	int fd = open(outp, O_RDONLY);
	r->out = slurp_fd(fd);
	close(fd);
	fd = open(errp, O_RDONLY);
	r->err = slurp_fd(fd);
	close(fd);

	DIR *d = opendir(r->dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 5, ".json"))
			continue;
		char path[600];
		snprintf(path, sizeof path, "%s/%s", r->dir, e->d_name);
		json_error_t jerr;
		json_t *j = json_load_file(path, 0, &jerr);
		if (!j) {
			fprintf(stderr, "harness: %s: invalid JSON: %s (line %d)\n", path, jerr.text,
				jerr.line);
			continue;
		}
		json_t *sc = json_object_get(j, "stack_cache");
		cr_expect_eq(json_integer_value(json_object_get(sc, "mismatches")), 0,
			     "%s: %lld cached stacks differ from the walked ones", path,
			     (long long)json_integer_value(json_object_get(sc, "mismatches")));
		if (r->nreports >= LT_E2E_MAX_REPORTS) {
			r->nreports++;      /* counted, not kept */
			json_decref(j);
			continue;
		}
		r->reports[r->nreports++] = j;
		/* r->report: the latest report (highest sequence) */
		json_int_t seq = json_integer_value(json_object_get(j, "sequence"));
		if (!r->report ||
		    seq >= json_integer_value(json_object_get(r->report, "sequence")))
			r->report = j;
	}
	if (d)
		closedir(d);
	return 0;
}

static int run(lt_run_t *r, const char *name, const char *options, char *const argv[],
	       const char *extra_env, int shim)
{
	if (start(r, name, options, argv, extra_env, shim))
		return -1;
	return lt_e2e_wait(r);
}

int lt_e2e_start(lt_run_t *r, const char *name, const char *options, char *const argv[])
{
	return start(r, name, options, argv, NULL, 1);
}

int lt_e2e_start_native(lt_run_t *r, const char *name, char *const argv[])
{
	return start(r, name, NULL, argv, NULL, 0);
}

char *lt_e2e_read_stdout(const lt_run_t *r)
{
	char path[300];
	snprintf(path, sizeof path, "%s/stdout", r->dir);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return strdup("");
	char *s = slurp_fd(fd);
	close(fd);
	return s;
}

int lt_e2e_count_files(const lt_run_t *r, const char *suffix)
{
	DIR *d = opendir(r->dir);
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		n += strstr(e->d_name, suffix) != NULL;
	if (d)
		closedir(d);
	return n;
}

int lt_e2e_command(char *const argv[], char **out, char **err)
{
	char outp[] = "/tmp/lt-cmd-out-XXXXXX", errp[] = "/tmp/lt-cmd-err-XXXXXX";
	int o = mkstemp(outp), e = mkstemp(errp);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(126);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	lseek(o, 0, SEEK_SET);
	lseek(e, 0, SEEK_SET);
	*out = slurp_fd(o);
	if (err)
		*err = slurp_fd(e);
	close(o);
	close(e);
	unlink(outp);
	unlink(errp);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int lt_e2e_run(lt_run_t *r, const char *name, const char *options, char *const argv[])
{
	return run(r, name, options, argv, NULL, 1);
}

int lt_e2e_run_env(lt_run_t *r, const char *name, const char *options, char *const argv[],
		   const char *extra_env)
{
	return run(r, name, options, argv, extra_env, 1);
}

int lt_e2e_run_native(lt_run_t *r, const char *name, char *const argv[])
{
	return run(r, name, NULL, argv, NULL, 0);
}

void lt_e2e_free(lt_run_t *r)
{
	/* a server left running by a failed assertion must not outlive the test */
	if (r->pid > 0 && waitpid(r->pid, NULL, WNOHANG) == 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	int kept = r->nreports < LT_E2E_MAX_REPORTS ? r->nreports : LT_E2E_MAX_REPORTS;
	for (int i = 0; i < kept; i++)
		json_decref(r->reports[i]);
	free(r->out);
	free(r->err);
	if (r->dir[0]) {
		char cmd[400];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", r->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "harness: could not remove %s\n", r->dir);
	}
	memset(r, 0, sizeof *r);
}

long long lt_e2e_summary(const lt_run_t *r, const char *path)
{
	if (!r->report)
		return -1;
	json_t *j = json_object_get(r->report, "summary");
	char buf[256];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *tok = strtok(buf, "."); tok && j; tok = strtok(NULL, "."))
		j = json_object_get(j, tok);
	return json_is_integer(j) ? json_integer_value(j) : -1;
}

int lt_e2e_stack_has(const json_t *g, const char *function)
{
	json_t *stack = json_object_get(g, "stack");
	size_t i;
	json_t *f;
	json_array_foreach(stack, i, f) {
		const char *fn = json_string_value(json_object_get(f, "function"));
		if (fn && !strcmp(fn, function))
			return 1;
	}
	return 0;
}

const char *lt_e2e_frame_function(const json_t *g, size_t i)
{
	json_t *f = json_array_get(json_object_get(g, "stack"), i);
	return json_string_value(json_object_get(f, "function"));
}

static int matches(const json_t *g, const char *kind, const char *cls, const char *function)
{
	const char *k = json_string_value(json_object_get(g, "kind"));
	const char *c = json_string_value(json_object_get(g, "class"));
	if (kind && (!k || strcmp(k, kind)))
		return 0;
	if (cls && (!c || strcmp(c, cls)))
		return 0;
	return !function || lt_e2e_stack_has(g, function);
}

json_t *lt_e2e_find_group(const lt_run_t *r, const char *kind, const char *cls,
			  const char *function)
{
	if (!r->report)
		return NULL;
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(r->report, "leaks"), i, g)
		if (matches(g, kind, cls, function))
			return g;
	return NULL;
}

int lt_e2e_count_groups(const lt_run_t *r, const char *kind, const char *cls)
{
	if (!r->report)
		return -1;
	int n = 0;
	size_t i;
	json_t *g;
	json_array_foreach(json_object_get(r->report, "leaks"), i, g)
		n += matches(g, kind, cls, NULL);
	return n;
}

long long lt_e2e_group_bytes(const json_t *g)
{
	return json_integer_value(json_object_get(g, "bytes"));
}

long long lt_e2e_group_count(const json_t *g)
{
	return json_integer_value(json_object_get(g, "count"));
}
