/* Suppression files in LeakSanitizer's format, one rule per line:
 *     # a comment
 *     leak:PATTERN
 * PATTERN is matched against the function, the source file and the module
 * of every frame of a group's stack (inlined frames included). A
 *     handle:PATTERN
 * rule applies to handle groups only, and matches their frames too or,
 * when every handle of the group matches it, its description ("epoll",
 * "pipe", "file PATH", "socket inet stream LOCAL PEER STATE"): one line
 * hides a server's epoll descriptor, self-pipe or log files, which it keeps
 * for its whole life, and never a CLOSE_WAIT socket by description. '*' is a
 * wildcard, '^' and '$' anchor. Each rule counts what it hid in this report
 * (hits = groups, bytes, blocks, handles) so stale rules show up with zero.
 * Suppressions apply to what would be reported as a leak (lost classes,
 * traced handles), as LeakSanitizer's do; a still reachable group is
 * matched only when fail_classes counts still reachable blocks. */
#include "suppress.h"

#include <stdio.h>
#include <string.h>

#include "../intalloc.h"
#include "../lt.h"
#include "../log.h"
#include "../options.h"
#include "../stack.h"
#include "../sys.h"
#include "../sysfile.h"
#include "../vocab.h"
#include "symbolize.h"

typedef struct rule {
	char *text;          /* the whole rule, "leak:foo" */
	const char *pattern; /* points into text */
	int handles_only;    /* "handle:PATTERN": handle groups, by stack or description */
	char *file;
	int line;
	uint64_t hits, bytes, blocks, handles;
} rule_t;

static rule_t *rules;
static size_t nrules, rules_cap;
static int loaded;

size_t lt_supp_count(void)
{
	return nrules;
}

void lt_supp_clear(void)
{
	for (size_t i = 0; i < nrules; i++) {
		lt_ia_free(rules[i].text);
		lt_ia_free(rules[i].file);
	}
	lt_ia_free(rules);
	rules = NULL;
	nrules = rules_cap = 0;
	loaded = 0;
}

static int add_rule(const char *file, int line, const char *text, size_t len)
{
	if (nrules == rules_cap) {
		size_t ncap = rules_cap ? rules_cap * 2 : 16;
		rule_t *n = lt_ia_realloc(rules, rules_cap * sizeof *n, ncap * sizeof *n);
		if (!n)
			return -1;
		rules = n;
		rules_cap = ncap;
	}
	rule_t *r = &rules[nrules];
	memset(r, 0, sizeof *r);
	r->text = lt_ia_alloc(len + 1);
	r->file = lt_ia_strdup(file);
	if (!r->text || !r->file) {
		lt_ia_free(r->text);
		lt_ia_free(r->file);
		return -1;
	}
	memcpy(r->text, text, len);
	r->text[len] = 0;
	r->handles_only = !strncmp(text, "handle:", 7);
	r->pattern = r->text + (r->handles_only ? 7 : 5);
	r->line = line;
	nrules++;
	return 0;
}

int lt_supp_parse(const char *file, const char *text)
{
	int problems = 0, line = 0;
	for (const char *p = text; *p;) {
		const char *s = p;
		while (*p && *p != '\n')
			p++;
		const char *e = p;
		if (*p)
			p++;
		line++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s == e || *s == '#')
			continue;
		size_t len = (size_t)(e - s);
		if (!(len > 5 && !strncmp(s, "leak:", 5)) && !(len > 7 && !strncmp(s, "handle:", 7))) {
			lt_log_error("%s:%d: malformed suppression \"%.*s\": expected leak:PATTERN or handle:PATTERN",
				     file, line, (int)(len > 200 ? 200 : len), s);
			problems++;
			continue;
		}
		if (add_rule(file, line, s, len)) {
			lt_log_error("%s:%d: out of memory loading suppressions", file, line);
			return problems + 1;
		}
	}
	return problems;
}

int lt_supp_load(const char *list)
{
	if (loaded)
		return 0;
	loaded = 1;
	int problems = 0;
	for (const char *p = list; *p;) {
		const char *s = p;
		while (*p && *p != ',')
			p++;
		size_t len = (size_t)(p - s);
		if (*p)
			p++;
		if (!len)
			continue;
		char path[LT_OPT_STR_MAX];
		if (len >= sizeof path)
			len = sizeof path - 1;
		memcpy(path, s, len);
		path[len] = 0;
		char *text = NULL;
		size_t tlen = 0;
		int rc = lt_sys_read_file(path, &text, &tlen);
		if (rc < 0) {
			lt_log_error("cannot read suppression file %s: %s", path, strerror(-rc));
			problems++;
			continue;
		}
		problems += lt_supp_parse(path, text);
		lt_ia_free(text);
	}
	return problems;
}

/* ---- matching --------------------------------------------------------------- */

/* Glob match of pattern[0..plen) against the whole of s; '*' only. */
static int glob(const char *pat, size_t plen, const char *s)
{
	const char *star = NULL, *resume = NULL;
	size_t pi = 0, star_pi = 0;
	while (*s) {
		if (pi < plen && pat[pi] == '*') {
			star = pat;
			star_pi = ++pi;
			resume = s;
		} else if (pi < plen && pat[pi] == *s) {
			pi++;
			s++;
		} else if (star) {
			pi = star_pi;
			s = ++resume;
		} else {
			return 0;
		}
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}

int lt_supp_match(const char *pattern, const char *s)
{
	if (!s || !*s || !pattern || !*pattern)
		return 0;
	int start = pattern[0] == '^';
	if (start)
		pattern++;
	size_t plen = strlen(pattern);
	int end = plen && pattern[plen - 1] == '$';
	if (end)
		plen--;
	/* unanchored ends are implicit '*' */
	char buf[1024];
	size_t k = 0;
	if (plen + 3 > sizeof buf)
		return 0;
	if (!start)
		buf[k++] = '*';
	memcpy(buf + k, pattern, plen);
	k += plen;
	if (!end)
		buf[k++] = '*';
	return glob(buf, k, s);
}

/* One handle as a handle: rule sees it: "epoll", "pipe", "file PATH",
 * "socket inet stream 127.0.0.1:6379 LISTEN", "io_uring_buffer". */
static void describe(int kind, const lt_handle_detail_t *d, char *out, size_t cap)
{
	if (d->family)
		snprintf(out, cap, "socket %s %s %s%s%s%s%s", d->family, d->type ? d->type : "",
			 d->local ? d->local : "", d->peer ? " " : "", d->peer ? d->peer : "",
			 d->tcp_state ? " " : "", d->tcp_state ? d->tcp_state : "");
	else if (d->what && d->path)
		snprintf(out, cap, "%s %s", d->what, d->path);
	else if (d->what)
		snprintf(out, cap, "%s", d->what);
	else if (d->path)
		snprintf(out, cap, "%s %s", lt_kind_name(kind), d->path);
	else
		snprintf(out, cap, "%s", lt_kind_name(kind));
}

/* A handle: rule matches a handle group by its description when every
 * handle of the group matches; a socket the peer closed (CLOSE_WAIT) is a
 * leak whatever it is, so a group holding one never matches this way. */
static int handles_match(const char *pattern, const lt_group_t *g)
{
	if (!g->nhandles)
		return 0;
	for (size_t i = 0; i < g->nhandles; i++) {
		char desc[4400];
		if (g->handles[i].close_wait)
			return 0;
		describe(g->key.kind, &g->handles[i], desc, sizeof desc);
		if (!lt_supp_match(pattern, desc))
			return 0;
	}
	return 1;
}

static int frames_match(const char *pattern, const lt_frame_t *f, int n)
{
	for (int i = 0; i < n; i++)
		if (lt_supp_match(pattern, f[i].function) || lt_supp_match(pattern, f[i].file) ||
		    lt_supp_match(pattern, f[i].module))
			return 1;
	return 0;
}

/* The first rule that matches group g (NULL: memory rules only, by frames). */
static int match_group(const lt_group_t *g, const lt_frame_t *f, int n)
{
	int handle = g && g->key.kind != LT_KIND_MEMORY;
	for (size_t r = 0; r < nrules; r++) {
		if (rules[r].handles_only && !handle)
			continue;
		if (frames_match(rules[r].pattern, f, n) ||
		    (rules[r].handles_only && handles_match(rules[r].pattern, g)))
			return (int)r;
	}
	return -1;
}

const char *lt_supp_match_frames(const lt_frame_t *f, int n, int *rule_index)
{
	for (size_t r = 0; r < nrules; r++)
		for (int i = 0; i < n; i++)
			if (!rules[r].handles_only &&
			    (lt_supp_match(rules[r].pattern, f[i].function) ||
			     lt_supp_match(rules[r].pattern, f[i].file) ||
			     lt_supp_match(rules[r].pattern, f[i].module))) {
				if (rule_index)
					*rule_index = (int)r;
				return rules[r].text;
			}
	return NULL;
}

static int eligible(const lt_group_t *g)
{
	if (g->key.kind != LT_KIND_MEMORY)
		return g->key.origin == 0;
	if (g->key.cls == LT_CLASS_REACHABLE)
		return !!(lt_opt.fail_classes & LT_CLS_REACHABLE);
	return 1;
}

int lt_supp_active(void)
{
	return nrules > 0;
}

void lt_supp_apply(lt_report_t *r, lt_sym_t *sym)
{
	for (size_t i = 0; i < nrules; i++)
		rules[i].hits = rules[i].bytes = rules[i].blocks = rules[i].handles = 0;
	if (!nrules)
		return;
	if (!sym) {
		lt_log_warn_once("cannot symbolize stacks: suppressions are not applied");
		return;
	}
	lt_group_t *g, *tmp;
	HASH_ITER(hh, r->table, g, tmp) {
		if (!eligible(g))
			continue;
		const lt_stack_t *st = lt_stack_get(g->key.stack);
		if (!st)
			continue;
		lt_frame_t fr[LT_STACK_MAX_DEPTH * 4];
		int n = lt_sym_stack(sym, st, fr, (int)LT_ARRAY_LEN(fr), 1);
		int ri = match_group(g, fr, n);
		if (ri < 0)
			continue;
		rule_t *ru = &rules[ri];
		g->suppressed_by = ru->text;
		ru->hits++;
		if (g->key.kind == LT_KIND_MEMORY) {
			ru->bytes += g->bytes;
			ru->blocks += g->count;
		} else {
			ru->handles += g->count;
		}
	}
}

lt_supp_used_t *lt_supp_used(size_t *n)
{
	*n = 0;
	if (!nrules)
		return NULL;
	lt_supp_used_t *u = lt_ia_alloc(nrules * sizeof *u);
	if (!u)
		return NULL;
	for (size_t i = 0; i < nrules; i++) {
		const rule_t *ru = &rules[i];
		u[i] = (lt_supp_used_t){ ru->text, ru->file, ru->line, ru->hits, ru->bytes,
					 ru->blocks, ru->handles };
	}
	*n = nrules;
	return u;
}
