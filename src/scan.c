/* The live reachability scan behind the report: lock the heap table,
 * snapshot and sort it, stop the world from inside dl_iterate_phdr, collect
 * the roots, classify (reach.c), resume, unlock.
 *
 * Lock order: the loader's lock (dl_iterate_phdr's) before the heap
 * table's shard locks, never the other way round. A program thread inside a
 * dl_iterate_phdr callback that calls malloc or free holds the loader's
 * lock and waits for a shard lock; so everything that may take the loader's
 * lock (libunwind's walk to exit()'s caller, dlsym, the module walk) runs
 * before the shard locks are taken, and the shard locks are taken inside
 * the first dl_iterate_phdr callback, right before the world stops there.
 * The shard locks are taken before the world stops (so no stopped thread
 * holds one) and released after it resumes; nothing between stop and resume
 * allocates or takes a lock, because a stopped thread may hold the private
 * allocator's or the stack depot's lock. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "intalloc.h"
#include "log.h"
#include "options.h"
#include "reach.h"
#include "vocab.h"
#include "roots.h"
#include "stack.h"
#include "world.h"

#define UNW_LOCAL_ONLY
#include <libunwind.h>

/* The thread table outlives every scan: a late stop-signal handler may
 * still look at it after the world resumed. */
static lt_world_thread_t *threads;
static size_t threads_cap;

/* What the first module callback takes (with the loader's lock held): the
 * heap locks, the snapshot and its scratch, then the stopped world. */
struct stop_arg {
	lt_world_t *w;
	int rc;                 /* -errno: nothing is locked or stopped */
	int oom;                /* the failure was out of memory */
	struct timespec t0;
	lt_block_t *blocks;
	size_t n, map_bytes, cls_bytes, work_bytes;
	uint8_t *cls, *rootb;
	void *work;
};

static void free_snapshot(struct stop_arg *a)
{
	if (a->blocks)
		lt_ia_unmap(a->blocks, a->map_bytes);
	if (a->cls)
		lt_ia_unmap(a->cls, a->cls_bytes);
	if (a->rootb)
		lt_ia_unmap(a->rootb, a->cls_bytes);
	if (a->work)
		lt_ia_unmap(a->work, a->work_bytes);
	a->blocks = NULL;
	a->cls = a->rootb = NULL;
	a->work = NULL;
}

static void stop_cb(void *p)
{
	struct stop_arg *a = p;
	lt_heap_lock_all();
	int rc = lt_heap_snapshot(&a->blocks, &a->n, &a->map_bytes);
	a->cls_bytes = a->n ? a->n : 1;
	a->work_bytes = lt_reach_work_bytes(a->n);
	if (a->work_bytes < a->n * sizeof(lt_block_t))
		a->work_bytes = a->n * sizeof(lt_block_t);
	a->cls = rc ? NULL : lt_ia_map(a->cls_bytes);
	a->rootb = a->cls ? lt_ia_map(a->cls_bytes) : NULL;
	a->work = a->rootb ? lt_ia_map(a->work_bytes) : NULL;
	if (!a->work) {
		lt_heap_unlock_all();
		free_snapshot(a);
		a->oom = 1;
		a->rc = -ENOMEM;
		return;
	}
	lt_reach_sort(a->blocks, a->n, a->work);
	/* client API (api.c), read before the world stops (it takes a lock):
	 * ignored blocks are roots */
	lt_api_mark_ignored(a->blocks, a->n, a->rootb);
	clock_gettime(CLOCK_MONOTONIC, &a->t0);
	a->rc = lt_world_stop(a->w, (int)lt_opt.stop_timeout_ms);
	if (a->rc) {
		lt_heap_unlock_all();
		free_snapshot(a);
	}
}

/* The caller's stack pointer, with its callee-saved registers spilled into
 * frames above it (LeakSanitizer's trick for the reporting thread). */
static LT_NOINLINE uintptr_t own_sp(void)
{
	__builtin_unwind_init();
	return (uintptr_t)__builtin_frame_address(0);
}

/* When the report runs inside exit() (from the shim's destructor), the
 * stack below exit()'s caller holds only exit machinery - and, in the slots
 * those frames never wrote, stale copies of pointers from calls that
 * returned long ago (memcheck ignores them: it marks popped stack
 * undefined; a conservative scan cannot tell). So the reporting thread's
 * stack is scanned from the caller of exit() up. Returns 0 when exit() is
 * not on the stack (a snapshot). */
static uintptr_t exit_caller_sp(void)
{
	unw_context_t ctx;
	unw_cursor_t cur;
	if (unw_getcontext(&ctx) || unw_init_local(&cur, &ctx))
		return 0;
	uintptr_t target = (uintptr_t)&exit;
	for (int depth = 0; depth < 128; depth++) {
		unw_proc_info_t pi;
		int found = unw_get_proc_info(&cur, &pi) == 0 && pi.start_ip == target;
		if (unw_step(&cur) <= 0)
			return 0;
		if (found) {
			unw_word_t sp;
			if (unw_get_reg(&cur, UNW_REG_SP, &sp))
				return 0;
			return (uintptr_t)sp;
		}
	}
	return 0;
}

static void make_note(const lt_roots_t *rt, const lt_world_t *w, char *buf, size_t cap)
{
	size_t k = 0;
	if (cap)
		buf[0] = 0;
	if (cap < 256)
		return;
	if (rt->conservative)
		k += (size_t)snprintf(buf + k, cap - k,
				      "%u thread(s) could not be stopped and were scanned conservatively (whole stack mapping, no registers)",
				      rt->conservative);
	if (rt->unscanned)
		k += (size_t)snprintf(buf + k, cap - k, "%s%u thread(s) could not be scanned (stack not found)",
				      k ? "; " : "", rt->unscanned);
	if (rt->overflow || w->n == w->cap)
		k += (size_t)snprintf(buf + k, cap - k, "%sroot tables overflowed: some roots were not scanned",
				      k ? "; " : "");
}

/* verbosity=2: say which root keeps each block (after the world resumed:
 * logging formats and writes, so the hits are buffered first) */
struct hits {
	const lt_roots_t *rt;
	const lt_block_t *blocks;
	size_t n;
	struct { size_t range; uintptr_t where; size_t block; } h[64];
};

static void on_root(void *arg, size_t range, uintptr_t where, size_t block)
{
	struct hits *h = arg;
	if (h->n < LT_ARRAY_LEN(h->h)) {
		h->h[h->n].range = range;
		h->h[h->n].where = where;
		h->h[h->n].block = block;
		h->n++;
	}
}

static void print_hits(const struct hits *h)
{
	for (size_t i = 0; i < h->n; i++) {
		const lt_reach_range_t *r = &h->rt->r[h->h[i].range];
		lt_log_info("reachability: block 0x%lx (%llu bytes) referenced at 0x%lx in root %zu [0x%lx, 0x%lx)",
			    (unsigned long)h->blocks[h->h[i].block].ptr,
			    (unsigned long long)h->blocks[h->h[i].block].size,
			    (unsigned long)h->h[i].where, h->h[i].range, (unsigned long)r->lo,
			    (unsigned long)r->hi);
	}
}

int lt_reach_classify_live(lt_block_t **blocks_out, size_t *n_out, size_t *map_bytes_out,
			   uint8_t **cls_out, size_t *cls_bytes_out, double *pause_ms,
			   char *note, size_t note_cap)
{
	struct timespec t_begin;
	clock_gettime(CLOCK_MONOTONIC, &t_begin);
	lt_roots_t rt;
	size_t nthreads = lt_world_count_threads();
	if (lt_roots_alloc(&rt, nthreads * 2 + 64))
		return -ENOMEM;
	lt_roots_prepare(&rt);
	if (threads_cap < nthreads * 2 + 64) {
		/* grows only: the old table is left in place (see above) */
		size_t cap = nthreads * 2 + 64;
		lt_world_thread_t *t = lt_ia_map(cap * sizeof *t);
		if (!t) {
			lt_roots_free(&rt);
			return -ENOMEM;
		}
		threads = t;
		threads_cap = cap;
	}
	lt_world_t w = { .t = threads, .cap = threads_cap };

	/* libunwind walks the stack through dl_iterate_phdr: before any lock */
	uintptr_t self_sp = own_sp();
	uintptr_t exit_sp = exit_caller_sp();
	if (exit_sp > self_sp)
		self_sp = exit_sp;
	else if (lt_api_caller_sp > self_sp)
		self_sp = lt_api_caller_sp;  /* a client call (api.h) */
	/* registered root regions (client API), read before any lock */
	static uintptr_t region_lo[LT_API_MAX_REGIONS], region_hi[LT_API_MAX_REGIONS];
	size_t nregions = lt_api_root_regions(region_lo, region_hi, LT_ARRAY_LEN(region_lo));

	struct stop_arg sa = { .w = &w, .rc = -1 };
	lt_roots_modules(&rt, stop_cb, &sa);
	if (sa.rc) {
		lt_roots_free(&rt);
		if (sa.oom)
			lt_log_warn("out of memory for the reachability scan; blocks are not classified");
		else
			lt_log_warn("cannot install the stop signal handler (%s); blocks are not classified",
				    strerror(-sa.rc));
		return sa.rc;
	}
	lt_block_t *blocks = sa.blocks;
	size_t n = sa.n, map_bytes = sa.map_bytes, cls_bytes = sa.cls_bytes;
	size_t work_bytes = sa.work_bytes;
	uint8_t *cls = sa.cls, *rootb = sa.rootb;
	void *work = sa.work;
	/* every read of program memory is checked against the readable
	 * mappings: without them, reading could kill the program */
	int mrc = lt_roots_read_maps(&rt);
	if (mrc || !rt.nreadable) {
		lt_world_resume(&w);
		lt_heap_unlock_all();
		free_snapshot(&sa);
		lt_roots_free(&rt);
		lt_log_warn("cannot read /proc/self/maps (%s); blocks are not classified",
			    strerror(mrc ? -mrc : ENOENT));
		return mrc ? mrc : -ENOENT;
	}
	lt_roots_threads(&rt, &w, self_sp, lt_world_thread_pointer());
	lt_roots_anon(&rt, blocks, n);
	for (size_t i = 0; i < nregions; i++)
		lt_roots_add(&rt, region_lo[i], region_hi[i]);
	lt_roots_clip(&rt);

	/* "allocations made from the dynamic linker are reachable"
	 * (LeakSanitizer's use_ld_allocations): dynamic TLS blocks, the DTV and
	 * dlopen's bookkeeping hang off loader structures we cannot see */
	for (size_t i = 0; i < n; i++) {
		const lt_stack_t *st = lt_stack_get(LT_BLOCK_STACK(&blocks[i]));
		rootb[i] |= st && st->depth && lt_roots_is_ldso_pc(&rt, st->pc[0]);
	}

	lt_reach_ctx_t c = {
		.blocks = blocks, .n = n,
		.roots = rt.r, .nroots = rt.n,
		.root_blocks = rootb,
		.segs = rt.seg, .nsegs = rt.nseg,
		.heuristics = LT_HEUR_ALL,
		.readable = rt.readable,
		.nreadable = rt.nreadable,
		.work = work,
		.cls = cls,
	};
	static struct hits hits;
	hits.rt = &rt;
	hits.blocks = blocks;
	hits.n = 0;
	if (lt_opt.verbosity >= 2) {
		c.on_root = on_root;
		c.on_root_arg = &hits;
	}
	lt_reach_classify(&c);

	lt_world_resume(&w);
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	lt_heap_unlock_all();

	*pause_ms = (double)(t1.tv_sec - sa.t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - sa.t0.tv_nsec) / 1e6;
	make_note(&rt, &w, note, note_cap);
	if (lt_opt.verbosity >= 1) {
		double total = (double)(t1.tv_sec - t_begin.tv_sec) * 1e3 +
			       (double)(t1.tv_nsec - t_begin.tv_nsec) / 1e6;
		lt_log_info("reachability: %zu blocks, %zu roots, %llu words scanned, %zu thread(s) stopped, world stopped %.1f ms, scan %.1f ms in all",
			    n, rt.n, (unsigned long long)c.scanned_words, w.stopped, *pause_ms, total);
	}
	if (lt_opt.verbosity >= 2)
		print_hits(&hits);
	lt_ia_unmap(rootb, cls_bytes);
	lt_ia_unmap(work, work_bytes);
	lt_roots_free(&rt);
	*blocks_out = blocks;
	*n_out = n;
	*map_bytes_out = map_bytes;
	*cls_out = cls;
	*cls_bytes_out = cls_bytes;
	return 0;
}
