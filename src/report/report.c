/* The report pipeline: snapshot -> classify -> group -> suppress -> totals
 * -> sort -> symbolize -> emit. Runs with the guard held, in private
 * memory only; every stage is a pure function of the snapshot except the
 * final write. */
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../api.h"
#include "../clock.h"
#include "../gate.h"
#include "../fork.h"
#include "../heap.h"
#include "../intalloc.h"
#include "../log.h"
#include "../options.h"
#include "../reach.h"
#include "../real.h"
#include "../sys.h"
#include "../stack.h"
#include "suppress.h"
#include "emit.h"
#include "strpool.h"
#include "symbolize.h"
#include "verdict.h"

/* The model's memory (model/model.h): the private allocator. */
void *lt_model_realloc(void *p, size_t old, size_t n)
{
	return lt_ia_realloc(p, old, n);
}

void lt_model_free(void *p)
{
	lt_ia_free(p);
}

/* ---- report-lifetime strings ---------------------------------------- */

static lt_strpool_t report_strings = LT_STRPOOL_INIT;

const char *lt_report_strdup(const char *s)
{
	return lt_strpool_intern(&report_strings, s);
}

/* ---- groups ------------------------------------------------------------ */

static lt_group_t *group_for(lt_report_t *r, int kind, int cls, int origin, uint32_t stack,
			     int running)
{
	lt_group_key_t key;
	memset(&key, 0, sizeof key);
	key.kind = kind;
	key.cls = cls;
	key.origin = origin;
	key.stack = stack;
	key.running = running;
	lt_group_t *g;
	HASH_FIND(hh, r->table, &key, sizeof key, g);
	if (g)
		return g;
	g = lt_ia_alloc(sizeof *g);
	if (!g)
		return NULL;
	g->key = key;
	g->oldest_ms = UINT32_MAX;
	HASH_ADD(hh, r->table, key, sizeof key, g);
	if (g->hh.tbl == NULL) {       /* uthash out of memory (non-fatal) */
		lt_ia_free(g);
		return NULL;
	}
	r->ngroups++;
	return g;
}

lt_group_t *lt_report_group(lt_report_t *r, int kind, int cls, int origin, uint32_t stack)
{
	return group_for(r, kind, cls, origin, stack, 0);
}

lt_group_t *lt_report_group_running(lt_report_t *r, int kind, uint32_t stack)
{
	return group_for(r, kind, LT_CLASS_OPEN, 0, stack, 1);
}

void lt_group_add(lt_group_t *g, uint64_t bytes, uint32_t ms)
{
	g->bytes += bytes;
	g->count++;
	if (ms < g->oldest_ms)
		g->oldest_ms = ms;
	if (ms > g->newest_ms)
		g->newest_ms = ms;
}

int lt_group_add_handle(lt_group_t *g, const lt_handle_detail_t *d)
{
	if (g->nhandles == g->handles_cap) {
		size_t ncap = g->handles_cap ? g->handles_cap * 2 : 4;
		lt_handle_detail_t *n = lt_ia_realloc(g->handles, g->handles_cap * sizeof *n,
						      ncap * sizeof *n);
		if (!n)
			return -ENOMEM;
		g->handles = n;
		g->handles_cap = ncap;
	}
	g->handles[g->nhandles++] = *d;
	return 0;
}

/* ---- gate policy --------------------------------------------------------- */

static int class_counts(int cls)
{
	unsigned m = (unsigned)lt_opt.fail_classes;
	switch (cls) {
	case LT_CLASS_DEFINITE: return !!(m & LT_CLS_DEFINITE);
	case LT_CLASS_INDIRECT: return !!(m & LT_CLS_INDIRECT);
	case LT_CLASS_POSSIBLE: return !!(m & LT_CLS_POSSIBLE);
	case LT_CLASS_REACHABLE: return !!(m & LT_CLS_REACHABLE);
	case LT_CLASS_UNCLASSIFIED: return 1;   /* nothing told us otherwise */
	default: return 0;
	}
}

int lt_report_kind_counts(int kind)
{
	unsigned m = (unsigned)lt_opt.fail_on;
	if (kind == LT_KIND_MEMORY)
		return !!(m & LT_FAIL_MEMORY);
	/* a mapping left at exit is often on purpose (an arena, a file kept
	 * mapped): counted only when fail_on names "mapping" itself */
	if (kind == LT_KIND_MAPPING)
		return !!(m & LT_FAIL_KIND(kind));
	return !!(m & LT_FAIL_HANDLES) || !!(m & LT_FAIL_KIND(kind));
}

static int group_leaked(const lt_group_t *g)
{
	if (g->suppressed_by)
		return 0;
	if (g->key.kind == LT_KIND_MEMORY)
		return class_counts(g->key.cls);
	/* running threads and children are listed, never leaks; mappings are
	 * leaks only when the gate counts them (lt_report_kind_counts) */
	if (g->key.running)
		return 0;
	if (g->key.kind == LT_KIND_MAPPING && !lt_report_kind_counts(LT_KIND_MAPPING))
		return 0;
	return g->key.origin == 0;
}

/* ---- sort ------------------------------------------------------------------ */

static int cmp_groups(const void *a, const void *b)
{
	const lt_group_t *x = *(const lt_group_t *const *)a;
	const lt_group_t *y = *(const lt_group_t *const *)b;
	if (x->leaked != y->leaked)
		return x->leaked ? -1 : 1;
	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->key.kind != y->key.kind)
		return x->key.kind - y->key.kind;
	if (x->key.cls != y->key.cls)
		return x->key.cls - y->key.cls;
	return x->key.stack < y->key.stack ? -1 : x->key.stack > y->key.stack;
}

/* ---- pipeline ------------------------------------------------------------- */

static unsigned sequence;
static double last_pause_ms;
static uint64_t last_leaked_bytes, last_leaked_handles;
static char last_verdict[1024];

static const char *self_exe(void)
{
	static char buf[4096];
	if (lt_sys_readlink("/proc/self/exe", buf, sizeof buf) <= 0)
		return "";
	return buf;
}

static int is_allocator_frame(const char *fn)
{
	static const char *const names[] = {
		"malloc", "calloc", "realloc", "reallocarray", "free", "memalign",
		"aligned_alloc", "posix_memalign", "valloc", "pvalloc",
		"__libc_malloc", "__libc_calloc", "__libc_realloc", "__rtld_malloc",
		"__rtld_calloc", "__rtld_realloc",
	};
	if (!fn)
		return 0;
	if (!strncmp(fn, "operator new", 12) || !strncmp(fn, "_Znw", 4) || !strncmp(fn, "_Zna", 4))
		return 1;
	for (size_t i = 0; i < LT_ARRAY_LEN(names); i++)
		if (!strcmp(fn, names[i]))
			return 1;
	return 0;
}

static void symbolize_groups(lt_report_t *r, lt_sym_t *sym)
{
	if (!sym)
		return;
	lt_text_view_t view;
	lt_text_view_from_options(&view, &lt_opt);
	for (size_t i = 0; i < r->ngroups; i++) {
		lt_group_t *g = r->sorted[i];
		const lt_stack_t *st = lt_stack_get(g->key.stack);
		if (!st)
			continue;
		/* a text-only report prints the frames of the groups it shows,
		 * nothing else: the rest (still reachable blocks, by default)
		 * are not symbolized - most of an exit report's time on a
		 * program with many such groups */
		if (lt_opt.format == LT_FMT_TEXT && !g->leaked && !lt_text_shows(&view, g))
			continue;
		lt_frame_t tmp[LT_STACK_MAX_DEPTH * 4];
		/* separate debug files are read for what a person looks at:
		 * counted leaks, groups the text shows, or everything on request */
		int full = lt_opt.debuginfo == LT_DEBUGINFO_ALL || g->leaked || lt_text_shows(&view, g);
		int n = lt_sym_stack(sym, st, tmp, (int)LT_ARRAY_LEN(tmp), full);
		/* drop leading allocator frames the capture could not trim by
		 * range: operator new in a static libstdc++, the dynamic
		 * linker's inlined calloc wrapper (rtld-malloc.h) */
		int skip = 0;
		while (skip < n - 1 && is_allocator_frame(tmp[skip].function))
			skip++;
		g->frames = lt_ia_alloc((size_t)(n - skip) * sizeof(lt_frame_t));
		if (!g->frames)
			continue;
		memcpy(g->frames, tmp + skip, (size_t)(n - skip) * sizeof(lt_frame_t));
		g->nframes = n - skip;
	}
}

static void collect_memory(lt_report_t *r)
{
	lt_block_t *blocks = NULL;
	size_t n = 0, map_bytes = 0;
	uint8_t *cls = NULL;
	size_t cls_bytes = 0;
	double pause = 0;

	if (lt_opt.classify) {
		char note[256];
		if (lt_reach_classify_live(&blocks, &n, &map_bytes, &cls, &cls_bytes,
					   &pause, note, sizeof note) == 0) {
			r->classified = 1;
			r->classify_note = note[0] ? lt_report_strdup(note) : NULL;
		}
	}
	if (!r->classified) {
		lt_heap_lock_all();
		int rc = lt_heap_snapshot(&blocks, &n, &map_bytes);
		/* without a scan, an ignored block (client API) is still never
		 * reported: it counts as still reachable, as it would after one */
		cls_bytes = n ? n : 1;
		cls = rc ? NULL : lt_ia_map(cls_bytes);
		if (cls)
			lt_api_mark_ignored(blocks, n, cls);
		lt_heap_unlock_all();
		if (rc) {
			lt_log_warn("out of memory taking the heap snapshot; report is empty");
			return;
		}
	}
	r->pause_ms = pause;
	for (size_t i = 0; i < n; i++) {
		int c = r->classified ? cls[i]
			: cls && cls[i] ? LT_CLASS_REACHABLE : LT_CLASS_UNCLASSIFIED;
		int origin = blocks[i].stack & LT_BLOCK_INHERITED ? LT_ORIGIN_FORK : 0;
		lt_group_t *g = lt_report_group(r, LT_KIND_MEMORY, c, origin,
						LT_BLOCK_STACK(&blocks[i]));
		if (g)
			lt_group_add(g, blocks[i].size, blocks[i].ms);
	}
	lt_ia_unmap(blocks, map_bytes);
	if (cls)
		lt_ia_unmap(cls, cls_bytes);
}

/* The program's allocator is not the one the hooks reach (real.h). */
static const char *foreign_allocator_note(void)
{
	if (!lt_real_foreign_malloc[0])
		return lt_report_strdup("memory not traced: the program defines its own malloc");
	lt_buf_t b;
	lt_buf_init(&b);
	lt_buf_printf(&b, "memory not traced: %s, loaded ahead of leaktrace, defines malloc",
		      lt_real_foreign_malloc);
	lt_buf_add(&b, "", 1);
	const char *s = b.oom ? "memory not traced: a library loaded ahead of leaktrace defines malloc"
			      : b.data;
	s = lt_report_strdup(s);
	lt_buf_free(&b);
	return s;
}

static void totals(lt_report_t *r)
{
	lt_group_t *g, *tmp;
	HASH_ITER(hh, r->table, g, tmp) {
		g->leaked = group_leaked(g);
		if (g->key.kind == LT_KIND_MEMORY) {
			if (g->suppressed_by) {
				r->supp_bytes += g->bytes;
				r->supp_blocks += g->count;
				continue;
			}
			r->by_class[g->key.cls].bytes += g->bytes;
			r->by_class[g->key.cls].blocks += g->count;
			r->live_bytes += g->bytes;
			r->live_blocks += g->count;
			if (g->leaked) {
				r->leaked_bytes += g->bytes;
				r->leaked_blocks += g->count;
			}
		} else {
			if (g->key.origin) {
				r->unknown_handles += g->count;
				continue;
			}
			if (g->suppressed_by) {
				r->supp_handles += g->count;
				continue;
			}
			r->by_kind[g->key.kind] += g->count;
			r->live_handles += g->count;
			if (g->leaked)
				r->leaked_handles += g->count;
		}
	}
}

static void gate(lt_report_t *r)
{
	uint64_t gated_handles = 0;
	for (size_t i = 0; i < r->ngroups; i++) {
		lt_group_t *g = r->sorted[i];
		if (g->leaked && g->key.kind != LT_KIND_MEMORY && lt_report_kind_counts(g->key.kind))
			gated_handles += g->count;
	}
	int mem = lt_report_kind_counts(LT_KIND_MEMORY) &&
		  r->leaked_bytes > lt_opt.leak_threshold;
	int handles = gated_handles > (uint64_t)lt_opt.handle_threshold;
	r->gate_failed = lt_opt.exitcode != 0 && (mem || handles);
	r->gate_applies = lt_gate_applies();
	last_verdict[0] = 0;
	if (r->gate_failed)
		lt_verdict_build(r, mem, handles ? gated_handles : 0, last_verdict,
				 sizeof last_verdict);
}

/* Whether to write this report: always, except the exit report of a
 * fork-only child, which fork_report decides (a shell script's fifty
 * subshells must not print fifty reports). "Leaked" is the gate's policy
 * without the exitcode switch, so fork_report=leaks works with the gate off. */
static int wanted(const lt_report_t *r)
{
	if (r->reason != LT_REASON_EXIT || r->gate_applies)
		return 1;
	if (lt_opt.fork_report == LT_FORKREP_ALWAYS)
		return 1;
	if (lt_opt.fork_report == LT_FORKREP_NEVER)
		return 0;
	uint64_t gated_handles = 0;
	for (size_t i = 0; i < r->ngroups; i++) {
		const lt_group_t *g = r->sorted[i];
		if (g->leaked && g->key.kind != LT_KIND_MEMORY && lt_report_kind_counts(g->key.kind))
			gated_handles += g->count;
	}
	return (lt_report_kind_counts(LT_KIND_MEMORY) && r->leaked_bytes > lt_opt.leak_threshold) ||
	       gated_handles > (uint64_t)lt_opt.handle_threshold;
}

/* What the writers print beside the groups: the run's notes and the
 * suppression rules with their hits. */
static void attach_notes(lt_report_t *r)
{
	int n = lt_log_note_count();
	const char **notes = n > 0 ? lt_ia_alloc((size_t)n * sizeof *notes) : NULL;
	for (int i = 0; notes && i < n; i++)
		notes[i] = lt_log_note_get(i);
	r->notes = notes;
	r->nnotes = notes ? (size_t)n : 0;
	r->rules = lt_supp_used(&r->nrules);
}

static void free_report(lt_report_t *r)
{
	lt_group_t *g, *tmp;
	HASH_ITER(hh, r->table, g, tmp) {
		HASH_DEL(r->table, g);
		lt_ia_free(g->frames);
		lt_ia_free(g->handles);
		lt_ia_free(g);
	}
	lt_ia_free(r->sorted);
	lt_ia_free((void *)r->rules);
	lt_ia_free((void *)r->notes);
	lt_strpool_reset(&report_strings);
}

int lt_report_run(int reason, int signo, int *gate_failed)
{
	lt_report_t r;
	memset(&r, 0, sizeof r);
	r.reason = reason;
	r.signo = signo;
	r.sequence = sequence++;
	r.pid = (int)lt_sys_getpid();
	r.ppid = (int)lt_sys_getppid();
	r.fork_parent_pid = lt_fork_parent_pid;
	r.exe = lt_report_strdup(self_exe());
	r.uptime_ms = lt_clock_ms();
	struct lt_stack_cache_stats sc;
	lt_stack_cache_stats(&sc);
	char mode[16];
	lt_opt_enum_name("stack_cache", sc.mode, mode, sizeof mode);
	r.stack_cache.mode = lt_report_strdup(mode);
	r.stack_cache.hits = sc.hits;
	r.stack_cache.misses = sc.misses;
	r.stack_cache.fills = sc.fills;
	r.stack_cache.verified = sc.verified;
	r.stack_cache.mismatches = sc.mismatches;

	/* the pipeline: classify and group (memory, then handles), suppress,
	 * total, sort, gate, symbolize, emit - with one symbolizer session,
	 * opened when suppressions or the output first need it */
	if (lt_real_foreign_malloc)
		r.memory_note = foreign_allocator_note();
	else
		collect_memory(&r);
	/* after the snapshot, which forgets the retired frees (heap.h) */
	r.unknown_frees = lt_heap_unknown_frees();
	if (lt_opt.track_fds)
		lt_handle_collect(&r);
	lt_sym_t *sym = lt_supp_active() ? lt_sym_open() : NULL;
	lt_supp_apply(&r, sym);
	totals(&r);

	r.sorted = lt_ia_alloc((r.ngroups ? r.ngroups : 1) * sizeof *r.sorted);
	if (!r.sorted) {
		lt_log_warn("out of memory sorting the report");
		if (sym)
			lt_sym_close(sym);
		free_report(&r);
		return -ENOMEM;
	}
	size_t k = 0;
	lt_group_t *g, *tmp;
	HASH_ITER(hh, r.table, g, tmp) r.sorted[k++] = g;
	qsort(r.sorted, r.ngroups, sizeof *r.sorted, cmp_groups);
	gate(&r);
	if (wanted(&r)) {
		if (!sym)
			sym = lt_sym_open();
		symbolize_groups(&r, sym);
		attach_notes(&r);
		lt_emit_report(&r);
	}
	if (sym)
		lt_sym_close(sym);
	if (gate_failed)
		*gate_failed = r.gate_failed;
	last_pause_ms = r.pause_ms;
	last_leaked_bytes = r.leaked_bytes;
	last_leaked_handles = r.leaked_handles;
	free_report(&r);
	return 0;
}

void lt_report_last_totals(uint64_t *leaked_bytes, uint64_t *leaked_handles)
{
	*leaked_bytes = last_leaked_bytes;
	*leaked_handles = last_leaked_handles;
}

const char *lt_report_last_verdict(void)
{
	return last_verdict;
}

double lt_report_last_pause_ms(void)
{
	return last_pause_ms;
}

unsigned lt_report_next_sequence(void)
{
	return sequence;
}

void lt_report_reset_sequence(void)
{
	sequence = 0;
}
