/* `leaktrace suppressions`: convert the suppression files people already
 * have into leaktrace's (LeakSanitizer's `leak:PATTERN` lines), and write one
 * rule per leaked group of a saved report, as valgrind's
 * --gen-suppressions=all does.
 *
 * A leaktrace rule is one pattern matched against the function, source file
 * and module of any frame of a stack; a valgrind rule is a list of frame
 * patterns matched in order from the allocation. So a valgrind rule becomes
 * the rule of its first frame below the allocator, which is broader when
 * more frames follow; every such loss (frames dropped, `?` widened to `*`,
 * match-leak-kinds, a source line) and every rule that cannot be expressed
 * (not Memcheck:Leak, no usable frame; TSan/ASan kinds in an LSan file) is
 * printed on stderr as "FILE:LINE: ...", and the output holds the rest. */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "reportfile.h"

static const char supp_usage[] =
	"usage: leaktrace suppressions --from-valgrind FILE [-o OUT]\n"
	"       leaktrace suppressions --from-lsan FILE [-o OUT]\n"
	"       leaktrace suppressions --generate REPORT.json [-o OUT]\n";

static const char supp_help[] =
	"\n"
	"Write a leaktrace suppression file (leak:PATTERN and handle:PATTERN lines, see\n"
	"libleaktrace(7)) to standard output or OUT.\n"
	"\n"
	"  --from-valgrind FILE  convert valgrind (memcheck) suppressions: one leak: rule\n"
	"                        per Memcheck:Leak entry, from the first frame below\n"
	"                        the allocator\n"
	"  --from-lsan FILE      convert LeakSanitizer suppressions (leak: lines kept;\n"
	"                        other types noted on stderr and skipped)\n"
	"  --generate REPORT     one rule per leaked group of a JSON report (format=json),\n"
	"                        to accept today's leaks and gate only on new ones\n"
	"  -o, --output OUT      write to OUT instead of standard output\n"
	"  --help                this help\n"
	"\n"
	"What could not be converted exactly is noted on stderr, one line each.\n"
	"Exit status: 0; 2 on bad input.\n";

static int notes;   /* what could not be expressed exactly */

static void note(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	notes++;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "leaktrace: error: suppressions: cannot open %s: %s\n", path,
			strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (size_t r; buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0;) {
		n += r;
		if (n + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (!buf) {
		fprintf(stderr, "leaktrace: error: suppressions: out of memory reading %s\n", path);
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

/* ---- valgrind ------------------------------------------------------------------------ */

/* Frames leaktrace removes from the top of a stack (src/report/report.c), so
 * they never anchor a rule; valgrind's stacks start with them. */
static bool allocator_name(const char *fn)
{
	static const char *const names[] = {
		"malloc", "calloc", "realloc", "reallocarray", "free", "memalign",
		"aligned_alloc", "posix_memalign", "valloc", "pvalloc",
		"__libc_malloc", "__libc_calloc", "__libc_realloc",
	};
	if (!strncmp(fn, "operator new", 12) || !strncmp(fn, "_Znw", 4) || !strncmp(fn, "_Zna", 4))
		return true;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(fn, names[i]))
			return true;
	return false;
}

/* Does the glob (valgrind's * and ?) match a known allocator name? Such a
 * frame ("fun:*alloc") stands for the allocator too. */
static bool glob_match(const char *g, const char *s)
{
	if (!*g)
		return !*s;
	if (*g == '*')
		return glob_match(g + 1, s) || (*s && glob_match(g, s + 1));
	if (!*s)
		return false;
	return (*g == '?' || *g == *s) && glob_match(g + 1, s + 1);
}

static bool allocator_glob(const char *g)
{
	static const char *const names[] = { "malloc", "calloc", "realloc", "memalign",
					     "posix_memalign", "aligned_alloc", "valloc",
					     "_Znwm", "_Znam", "operator new(unsigned long)" };
	if (!strchr(g, '*') && !strchr(g, '?'))
		return allocator_name(g);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (glob_match(g, names[i]))
			return true;
	return false;
}

static bool only_wildcards(const char *g)
{
	for (; *g; g++)
		if (*g != '*' && *g != '?')
			return false;
	return true;
}

typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

/* valgrind's fun: lines hold mangled C++ names; leaktrace reports demangled
 * ones. libstdc++'s demangler, when it can be loaded. */
static char *demangle(const char *name)
{
	static demangle_fn fn;
	static bool tried;
	if (!tried) {
		tried = true;
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		if (h)
			fn = (demangle_fn)dlsym(h, "__cxa_demangle");
	}
	int status = -1;
	char *d = fn ? fn(name, NULL, NULL, &status) : NULL;
	if (d && status == 0)
		return d;
	free(d);
	return NULL;
}

/* A whole-name glob to a leaktrace pattern: ^...$ unless it starts or ends
 * with '*'; '?' becomes '*' (leaktrace has no one-character wildcard). */
static char *glob_to_pattern(const char *g, bool *widened)
{
	size_t n = strlen(g);
	char *out = malloc(n + 3), *o = out;
	if (!out)
		return NULL;
	*widened = false;
	if (g[0] != '*')
		*o++ = '^';
	for (const char *p = g; *p; p++) {
		if (*p == '?') {
			*widened = true;
			*o++ = '*';
		} else {
			*o++ = *p;
		}
	}
	if (n == 0 || g[n - 1] != '*')
		*o++ = '$';
	*o = 0;
	return out;
}

struct vg_rule {
	char *name;
	int line;              /* of the opening brace */
	char *kind;            /* "Memcheck:Leak" */
	char *leak_kinds;      /* match-leak-kinds value, or NULL */
	char *frames[64];
	int frame_line[64];
	int nframes;
};

static void vg_free(struct vg_rule *r)
{
	free(r->name);
	free(r->kind);
	free(r->leak_kinds);
	for (int i = 0; i < r->nframes; i++)
		free(r->frames[i]);
	memset(r, 0, sizeof *r);
}

static bool memcheck_leak(const char *kind)
{
	const char *colon = strrchr(kind, ':');
	if (!colon || strcmp(colon + 1, "Leak"))
		return false;
	/* "Memcheck:Leak", or a tool list such as "Memcheck,Addrcheck:Leak" */
	size_t n = (size_t)(colon - kind);
	for (const char *t = kind; t < colon;) {
		const char *e = memchr(t, ',', (size_t)(colon - t));
		size_t len = e ? (size_t)(e - t) : (size_t)(colon - t);
		if (len == 8 && !strncmp(t, "Memcheck", 8))
			return true;
		t += len + 1;
		(void)n;
	}
	return false;
}

static void vg_emit(FILE *out, const char *file, struct vg_rule *r, int *written)
{
	const char *name = r->name ? r->name : "(unnamed)";
	if (!r->kind || !memcheck_leak(r->kind)) {
		note(file, r->line, "\"%s\" (%s) is not a leak suppression: not converted", name,
		     r->kind ? r->kind : "no kind");
		return;
	}
	int pick = -1;
	for (int i = 0; i < r->nframes; i++) {
		const char *f = r->frames[i];
		if (!strcmp(f, "...")) {
			continue;
		} else if (!strncmp(f, "fun:", 4)) {
			if (only_wildcards(f + 4) || allocator_glob(f + 4))
				continue;
		} else if (!strncmp(f, "obj:", 4)) {
			if (only_wildcards(f + 4))
				continue;
		} else if (!strncmp(f, "src:", 4)) {
			if (only_wildcards(f + 4))
				continue;
		} else {
			note(file, r->frame_line[i], "\"%s\": unknown frame line \"%s\" skipped", name, f);
			continue;
		}
		pick = i;
		break;
	}
	if (pick < 0) {
		note(file, r->line, "\"%s\": no frame below the allocator to match: not converted", name);
		return;
	}
	const char *f = r->frames[pick];
	char *glob = NULL;
	if (!strncmp(f, "fun:", 4)) {
		const char *g = f + 4;
		char *d = NULL;
		if (!strncmp(g, "_Z", 2) && !strpbrk(g, "*?"))
			d = demangle(g);
		if (!strncmp(g, "_Z", 2) && !d)
			note(file, r->frame_line[pick],
			     "\"%s\": mangled name \"%s\" kept as is (leaktrace matches demangled names)",
			     name, g);
		glob = d ? d : strdup(g);
	} else if (!strncmp(f, "obj:", 4)) {
		glob = strdup(f + 4);
	} else {
		/* src:FILE or src:FILE:LINE; leaktrace matches the file, any directory */
		const char *g = f + 4;
		const char *colon = strrchr(g, ':');
		size_t len = colon && colon[1] && strspn(colon + 1, "0123456789") == strlen(colon + 1)
				     ? (size_t)(colon - g) : strlen(g);
		if (len != strlen(g))
			note(file, r->frame_line[pick], "\"%s\": line number of %s dropped", name, f);
		glob = malloc(len + 2);
		if (glob) {
			glob[0] = '*';
			memcpy(glob + 1, g, len);
			glob[len + 1] = 0;
		}
	}
	bool widened = false;
	char *pat = glob ? glob_to_pattern(glob, &widened) : NULL;
	free(glob);
	if (!pat) {
		fprintf(stderr, "leaktrace: error: suppressions: out of memory\n");
		return;
	}
	if (widened)
		note(file, r->frame_line[pick], "\"%s\": '?' widened to '*'", name);
	int after = 0;
	for (int i = pick + 1; i < r->nframes; i++)
		after += strcmp(r->frames[i], "...") != 0 && strcmp(r->frames[i], "fun:*") != 0 &&
			 strcmp(r->frames[i], "obj:*") != 0;
	if (after)
		note(file, r->line,
		     "\"%s\": %d outer frame(s) dropped: the rule matches %s anywhere in a stack",
		     name, after, f);
	if (r->leak_kinds && strcmp(r->leak_kinds, "all") != 0)
		note(file, r->line, "\"%s\": match-leak-kinds: %s dropped (the rule applies to every class)",
		     name, r->leak_kinds);
	fprintf(out, "# valgrind \"%s\" (%s:%d)\nleak:%s\n", name, file, r->line, pat);
	(*written)++;
	free(pat);
}

static int from_valgrind(const char *path, FILE *out)
{
	char *text = read_all(path);
	if (!text)
		return 2;
	struct vg_rule r;
	memset(&r, 0, sizeof r);
	int state = 0;   /* 0 outside, 1 want name, 2 want kind, 3 frames */
	int line = 0, written = 0;
	for (char *save = NULL, *l = text; l; l = save) {
		save = strchr(l, '\n');
		if (save)
			*save++ = 0;
		line++;
		while (isspace((unsigned char)*l))
			l++;
		size_t n = strlen(l);
		while (n && isspace((unsigned char)l[n - 1]))
			l[--n] = 0;
		if (!*l || *l == '#')
			continue;
		if (state == 0) {
			if (strcmp(l, "{")) {
				note(path, line, "\"%s\" outside a { } block: ignored", l);
				continue;
			}
			r.line = line;
			state = 1;
		} else if (!strcmp(l, "}")) {
			if (state == 3 || state == 2)
				vg_emit(out, path, &r, &written);
			else
				note(path, r.line, "empty suppression block: ignored");
			vg_free(&r);
			state = 0;
		} else if (state == 1) {
			r.name = strdup(l);
			state = 2;
		} else if (state == 2) {
			r.kind = strdup(l);
			state = 3;
		} else if (!strncmp(l, "match-leak-kinds:", 17) && r.nframes == 0) {
			const char *v = l + 17;
			while (isspace((unsigned char)*v))
				v++;
			r.leak_kinds = strdup(v);
		} else if (r.nframes < (int)(sizeof r.frames / sizeof r.frames[0])) {
			r.frame_line[r.nframes] = line;
			r.frames[r.nframes++] = strdup(l);
		}
	}
	if (state)
		note(path, r.line, "suppression block not closed: ignored");
	vg_free(&r);
	free(text);
	fprintf(stderr, "leaktrace: %d rule(s) converted from %s, %d note(s)\n", written, path, notes);
	return 0;
}

/* ---- LeakSanitizer ----------------------------------------------------------------- */

static int from_lsan(const char *path, FILE *out)
{
	char *text = read_all(path);
	if (!text)
		return 2;
	int line = 0, written = 0;
	for (char *save = NULL, *l = text; l; l = save) {
		save = strchr(l, '\n');
		if (save)
			*save++ = 0;
		line++;
		char *s = l;
		while (isspace((unsigned char)*s))
			s++;
		size_t n = strlen(s);
		while (n && isspace((unsigned char)s[n - 1]))
			s[--n] = 0;
		if (!*s || *s == '#') {
			fprintf(out, "%s\n", s);
			continue;
		}
		if (!strncmp(s, "leak:", 5) && s[5]) {
			/* same syntax and meaning: function, file or module, '*', '^', '$' */
			fprintf(out, "%s\n", s);
			written++;
			continue;
		}
		const char *colon = strchr(s, ':');
		if (colon)
			note(path, line, "\"%s\": %.*s: is not a leak suppression: not converted", s,
			     (int)(colon - s), s);
		else
			note(path, line, "\"%s\" is not TYPE:PATTERN: not converted", s);
	}
	free(text);
	fprintf(stderr, "leaktrace: %d rule(s) converted from %s, %d note(s)\n", written, path, notes);
	return 0;
}

/* ---- generate ------------------------------------------------------------------------ */

static bool already(char **seen, size_t n, const char *rule)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(seen[i], rule))
			return true;
	return false;
}

static int generate(const char *path, FILE *out)
{
	struct lt_report rep;
	if (lt_reportfile_load_or_complain(path, &rep) != 0)
		return 2;
	fprintf(out, "# leaktrace suppressions for the leaks of %s (pid %lld, %s)\n", path, rep.pid,
		rep.exe ? rep.exe : "?");
	char **seen = calloc(rep.ngroups ? rep.ngroups : 1, sizeof *seen);
	size_t nseen = 0;
	int written = 0;
	for (size_t i = 0; seen && i < rep.ngroups; i++) {
		const struct lt_group *g = &rep.groups[i];
		if (!g->leaked || g->suppressed)
			continue;
		const struct lt_frame *f = NULL;
		for (size_t k = 0; k < g->nframes && !f; k++)
			if (g->frames[k].function && *g->frames[k].function)
				f = &g->frames[k];
		if (!f) {
			fprintf(stderr, "%s: group %lld (%s %s) has no symbolized frame: no rule\n", path,
				g->id, g->kind, lt_reportfile_class_name(g->class_));
			notes++;
			continue;
		}
		size_t len = strlen(f->function) + 8;
		char *rule = malloc(len);
		if (!rule)
			break;
		snprintf(rule, len, "^%s$", f->function);
		/* the group, and the stack a reader checks the rule against */
		if (g->is_memory)
			fprintf(out, "# %s: %lld byte(s) in %lld block(s):", lt_reportfile_class_name(g->class_),
				g->bytes, g->count);
		else
			fprintf(out, "# %s: %lld open:", g->kind, g->count);
		for (size_t k = 0; k < g->nframes && k < 8; k++) {
			char buf[256];
			fprintf(out, "%s%s", k ? " < " : " ",
				lt_reportfile_frame_label(&g->frames[k], buf, sizeof buf));
		}
		fputc('\n', out);
		if (already(seen, nseen, rule)) {
			fprintf(out, "# (rule above)\n");
			free(rule);
			continue;
		}
		fprintf(out, "leak:%s\n", rule);
		seen[nseen++] = rule;
		written++;
	}
	for (size_t i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
	lt_reportfile_free(&rep);
	fprintf(stderr, "leaktrace: %d rule(s) generated from %s\n", written, path);
	return 0;
}

int lt_cmd_suppressions(int argc, char **argv)
{
	static const struct option opts[] = {
		{"from-valgrind", required_argument, NULL, 'v'},
		{"from-lsan", required_argument, NULL, 'l'},
		{"generate", required_argument, NULL, 'g'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
	};
	int mode = 0, c;
	const char *in = NULL, *outpath = NULL;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		switch (c) {
		case 'v': case 'l': case 'g':
			if (mode) {
				fprintf(stderr, "leaktrace: error: suppressions: give one of --from-valgrind, --from-lsan, --generate\n");
				return 2;
			}
			mode = c;
			in = optarg;
			break;
		case 'o': outpath = optarg; break;
		case 'H': fputs(supp_usage, stdout); fputs(supp_help, stdout); return 0;
		default:
			fprintf(stderr, "leaktrace: error: suppressions: unknown or incomplete option \"%s\"\n",
				argv[optind - 1]);
			fputs(supp_usage, stderr);
			return 2;
		}
	}
	if (!mode || optind != argc) {
		fputs(supp_usage, stderr);
		return 2;
	}
	FILE *out = stdout;
	if (outpath && !(out = fopen(outpath, "w"))) {
		fprintf(stderr, "leaktrace: error: suppressions: cannot write %s: %s\n", outpath,
			strerror(errno));
		return 2;
	}
	notes = 0;
	int rc = mode == 'v' ? from_valgrind(in, out) : mode == 'l' ? from_lsan(in, out) : generate(in, out);
	if ((out == stdout ? fflush(out) : fclose(out)) != 0) {
		fprintf(stderr, "leaktrace: error: suppressions: cannot write output: %s\n", strerror(errno));
		rc = 2;
	}
	return rc;
}
