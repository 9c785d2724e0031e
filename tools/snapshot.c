/* `leaktrace snapshot [--signal SIG] [--timeout S] [--interval S --count N] PID`:
 * ask a process running under leaktrace for a snapshot report and print
 * where it was written once it is complete.
 *
 * The shim is found by what /proc/PID/maps shows mapped (a libleaktrace*.so),
 * not by LD_PRELOAD in /proc/PID/environ: redis, nginx and postgres write
 * their process title over the environment block, and a program linked with
 * the shim has no LD_PRELOAD at all. Which signal the process listens to
 * and where its reports go come from the options the shim publishes in its
 * own writable data (read through /proc/PID/mem; see LT_PUBLISHED_MARKER),
 * else from LEAKTRACE_OPTIONS in /proc/PID/environ, else the defaults.
 * Reports are renamed
 * into place whole, so the appearance of a new file (or a new inode at a
 * fixed path) means the report is complete. Before sending anything the
 * command checks that the process catches the signal: SIGUSR1's default
 * action would kill a process that is not running under leaktrace. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "options.h"
#include "signame.h"

/* Whether a libleaktrace*.so is mapped; its writable mappings' ranges go
 * to rw (up to max). Returns the number of ranges, or -errno, or -ENOENT
 * when the shim is not mapped. */
static int shim_mappings(int pid, unsigned long (*rw)[2], int max)
{
	char path[64], line[4096 + 128];
	snprintf(path, sizeof path, "/proc/%d/maps", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int found = 0, n = 0;
	while (fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		char perms[8];
		int off = 0;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perms, &off) < 3 || !off)
			continue;
		char *file = line + off;
		file[strcspn(file, "\n")] = 0;
		const char *base = strrchr(file, '/');
		base = base ? base + 1 : file;
		if (strncmp(base, "libleaktrace", 12) || !strstr(base, ".so"))
			continue;
		found = 1;
		if (perms[0] == 'r' && perms[1] == 'w' && n < max) {
			rw[n][0] = lo;
			rw[n][1] = hi;
			n++;
		}
	}
	fclose(f);
	return found ? n : -ENOENT;
}

/* The options the shim published (snapshot_signal, output), read from the
 * process's memory. 0 when found. */
static int read_published(int pid, unsigned long (*rw)[2], int n, char *sig, char *output)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/mem", pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = -ENOENT;
	const size_t mlen = strlen(LT_PUBLISHED_MARKER) + 1;
	for (int i = 0; i < n && rc; i++) {
		size_t len = rw[i][1] - rw[i][0];
		if (len > (64u << 20))
			continue;
		char *buf = malloc(len);
		if (!buf)
			break;
		ssize_t got = pread(fd, buf, len, (off_t)rw[i][0]);
		for (ssize_t k = 0; got > 0 && k + LT_PUBLISHED_SIZE <= got; k += 8) {
			if (memcmp(buf + k, LT_PUBLISHED_MARKER, mlen))
				continue;
			const char *s = buf + k + LT_PUBLISHED_MARKER_LEN;
			const char *o = s + LT_OPT_STR_MAX;
			if (!memchr(s, 0, LT_OPT_STR_MAX) || !memchr(o, 0, LT_OPT_STR_MAX))
				continue;
			snprintf(sig, LT_OPT_STR_MAX, "%s", s);
			snprintf(output, LT_OPT_STR_MAX, "%s", o);
			rc = 0;
			break;
		}
		if (got < 0 && rc == -ENOENT)
			rc = -errno;
		free(buf);
	}
	close(fd);
	return rc;
}

static int read_environ(int pid, char *out_opts, size_t cap, int *has_preload)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/environ", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	*has_preload = 0;
	out_opts[0] = 0;
	for (size_t i = 0; i < n; i += strlen(buf + i) + 1) {
		const char *kv = buf + i;
		if (!strncmp(kv, "LEAKTRACE_OPTIONS=", 18))
			snprintf(out_opts, cap, "%s", kv + 18);
		else if (!strncmp(kv, "LD_PRELOAD=", 11) && strstr(kv, "libleaktrace"))
			*has_preload = 1;
	}
	return 0;
}

static int catches(int pid, int sig)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	unsigned long long mask = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "SigCgt: %llx", &mask) == 1)
			break;
	fclose(f);
	return (mask >> (sig - 1)) & 1;
}

/* The pattern as a glob (%p -> pid, %n -> *), and whether it has %n. */
static void pattern_glob(const char *pat, int pid, char *out, size_t cap, int *has_n)
{
	size_t n = 0;
	*has_n = 0;
	for (const char *p = pat; *p && n + 24 < cap; p++) {
		if (*p == '%' && p[1] == 'p') {
			n += (size_t)snprintf(out + n, cap - n, "%d", pid);
			p++;
		} else if (*p == '%' && p[1] == 'n') {
			out[n++] = '*';
			*has_n = 1;
			p++;
		} else if (*p == '%' && p[1] == '%') {
			out[n++] = '%';
			p++;
		} else {
			if (strchr("*?[", *p))
				out[n++] = '\\';
			out[n++] = *p;
		}
	}
	out[n] = 0;
}

struct seen {
	char **paths;
	ino_t *inodes;
	size_t n;
};

static void list(const char *g, struct seen *s)
{
	glob_t gl;
	memset(s, 0, sizeof *s);
	if (glob(g, 0, NULL, &gl) != 0)
		return;
	s->paths = calloc(gl.gl_pathc, sizeof *s->paths);
	s->inodes = calloc(gl.gl_pathc, sizeof *s->inodes);
	for (size_t i = 0; i < gl.gl_pathc; i++) {
		struct stat st;
		/* temp files of a report being written are not reports */
		if (strstr(gl.gl_pathv[i], ".tmp.") || stat(gl.gl_pathv[i], &st))
			continue;
		s->paths[s->n] = strdup(gl.gl_pathv[i]);
		s->inodes[s->n++] = st.st_ino;
	}
	globfree(&gl);
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->paths[i]);
	free(s->paths);
	free(s->inodes);
}

/* a path in now that was not in before, or whose inode changed */
static const char *fresh(const struct seen *before, const struct seen *now)
{
	for (size_t i = 0; i < now->n; i++) {
		int old = 0;
		for (size_t j = 0; j < before->n; j++)
			if (!strcmp(now->paths[i], before->paths[j]) && now->inodes[i] == before->inodes[j])
				old = 1;
		if (!old)
			return now->paths[i];
	}
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: leaktrace snapshot [--signal SIG] [--timeout SECONDS] "
		   "[--interval SECONDS --count N] PID\n");
}

static void help(void)
{
	usage(stdout);
	fputs("\n"
	      "Ask process PID, running under leaktrace, for a snapshot report (what is live\n"
	      "now, classified as at exit) and print the report's path once it is complete.\n"
	      "The signal and the report's path come from the process's own options\n"
	      "(snapshot_signal, output); a report to stderr goes to the process's stderr.\n"
	      "\n"
	      "  -s, --signal SIG        send SIG instead of the process's snapshot_signal\n"
	      "                          (SIGUSR1, USR2, RTMIN+4 or a number)\n"
	      "  -t, --timeout SECONDS   wait at most this long for the report (default 30)\n"
	      "  -c, --count N           take N snapshots (default 1)\n"
	      "  -i, --interval SECONDS  wait this long between them\n"
	      "  -h, --help              this help\n"
	      "\n"
	      "Nothing is sent to a process that does not catch the signal (SIGUSR1 would\n"
	      "kill it). Exit status: 0; 1 when no report came; 2 on bad input.\n", stdout);
}

/* What /proc/PID/status says about SIG: "ignored", "blocked", "not caught". */
static const char *signal_state(int pid, int sig)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return "unknown";
	unsigned long long blk = 0, ign = 0, x;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "SigBlk: %llx", &x) == 1)
			blk = x;
		else if (sscanf(line, "SigIgn: %llx", &x) == 1)
			ign = x;
	}
	fclose(f);
	unsigned long long bit = 1ull << (sig - 1);
	if (ign & bit)
		return "ignored (SIG_IGN)";
	if (blk & bit)
		return "blocked by its main thread";
	return "at its default action";
}

static int one(int pid, int sig, const char *glob_pat, int to_stderr, double timeout)
{
	struct seen before, now;
	if (!to_stderr)
		list(glob_pat, &before);
	if (kill(pid, sig) < 0) {
		fprintf(stderr, "leaktrace: error: cannot signal process %d: %s\n", pid, strerror(errno));
		if (!to_stderr)
			seen_free(&before);
		return 2;
	}
	if (to_stderr) {
		printf("snapshot requested: process %d writes it to its standard error\n", pid);
		return 0;
	}
	struct timespec start, t;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		list(glob_pat, &now);
		const char *p = fresh(&before, &now);
		if (p) {
			char real[PATH_MAX];
			printf("%s\n", realpath(p, real) ? real : p);
			fflush(stdout);
			seen_free(&now);
			seen_free(&before);
			return 0;
		}
		seen_free(&now);
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((double)(t.tv_sec - start.tv_sec) + (double)(t.tv_nsec - start.tv_nsec) / 1e9 > timeout)
			break;
		if (kill(pid, 0) < 0) {
			fprintf(stderr, "leaktrace: error: process %d exited before writing the snapshot\n", pid);
			seen_free(&before);
			return 1;
		}
		usleep(20000);
	}
	fprintf(stderr, "leaktrace: error: no new report matching %s after %.0f s\n", glob_pat, timeout);
	seen_free(&before);
	return 1;
}

int lt_cmd_snapshot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "signal", required_argument, 0, 's' },
		{ "timeout", required_argument, 0, 't' },
		{ "interval", required_argument, 0, 'i' },
		{ "count", required_argument, 0, 'c' },
		{ "help", no_argument, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	const char *sigarg = NULL;
	double timeout = 30, interval = 0;
	long count = 1;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "s:t:i:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': sigarg = optarg; break;
		case 't': timeout = atof(optarg); break;
		case 'i': interval = atof(optarg); break;
		case 'c': count = atol(optarg); break;
		case 'h': help(); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	char *end;
	long pid = strtol(argv[optind], &end, 10);
	if (*end || pid <= 0) {
		fprintf(stderr, "leaktrace: error: '%s' is not a process id\n", argv[optind]);
		return 2;
	}
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH) {
		fprintf(stderr, "leaktrace: error: no such process: %ld\n", pid);
		return 2;
	}
	unsigned long rw[16][2];
	int nrw = shim_mappings((int)pid, rw, 16);
	if (nrw == -ENOENT) {
		fprintf(stderr, "leaktrace: error: process %ld is not running under leaktrace "
				"(no libleaktrace*.so mapped in /proc/%ld/maps)\n", pid, pid);
		return 2;
	}
	if (nrw < 0) {
		fprintf(stderr, "leaktrace: error: cannot read the mappings of process %ld: %s\n",
			pid, strerror(-nrw));
		return 2;
	}
	lt_options_t o;
	lt_opt_defaults(&o);
	if (read_published((int)pid, rw, nrw, o.snapshot_signal, o.output) != 0) {
		/* a shim without the published block, or no access to the
		 * memory: the environment, if the program left it alone */
		char opts[8192];
		int preload = 0;
		if (read_environ((int)pid, opts, sizeof opts, &preload) == 0 && opts[0])
			lt_opt_parse(&o, opts, 0);
		else
			fprintf(stderr, "leaktrace: warning: cannot read the options of process %ld; "
					"assuming snapshot_signal=%s and output=%s\n", pid,
				o.snapshot_signal, o.output);
	}
	int sig = lt_signal_parse(sigarg ? sigarg : o.snapshot_signal);
	if (sig <= 0) {
		fprintf(stderr, "leaktrace: error: process %ld has snapshots off (snapshot_signal=%s)\n",
			pid, o.snapshot_signal);
		return 2;
	}
	if (catches((int)pid, sig) != 1) {
		/* what /proc says, no guess about the program's handlers: a
		 * caught signal may be the shim's or the program's, an uncaught
		 * one was reset, ignored or never taken (snapshot_signal=off in
		 * a child, a shim that has not started) */
		char nb[24];
		fprintf(stderr, "leaktrace: error: process %ld does not catch signal %d (%s): it is %s "
				"there, so it would not make a snapshot; nothing sent. Choose a "
				"signal it leaves free with LEAKTRACE_OPTIONS=snapshot_signal=... "
				"when starting it\n", pid, sig, lt_signal_name(sig, nb, sizeof nb),
			signal_state((int)pid, sig));
		return 2;
	}
	int rc;
	int to_stderr = !strcmp(o.output, "stderr");
	char g[PATH_MAX];
	int has_n;
	pattern_glob(o.output, (int)pid, g, sizeof g, &has_n);
	for (long i = 0; i < count; i++) {
		if (i)
			usleep((useconds_t)(interval * 1e6));
		rc = one((int)pid, sig, g, to_stderr, timeout);
		if (rc)
			return rc;
	}
	return 0;
}
