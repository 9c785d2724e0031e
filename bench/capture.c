/* capture: micro-benchmark of the floor of a tracer's per-allocation cost,
 * part by part.  Part of the leaktrace benchmark suite (bench/).
 *
 * Prints one line per measurement, "name ns-per-op", the best of 7
 * repetitions (a floor: other load on the machine only adds):
 *   malloc_free            a native malloc+free pair, random 16..512 bytes
 *   unw_backtrace_D        libunwind unw_backtrace() filling D frames
 *                          (D = 8, 16, 32) from a 48-deep stack, with
 *                          unw_set_caching_policy(UNW_CACHE_PER_THREAD)
 *   unw_backtrace_global_16  the same, depth 16, default (global) caching
 *   fp_walk_16             a frame-pointer walk of 16 frames (this file is
 *                          built with -fno-omit-frame-pointer): the floor
 *                          of any unwinder
 *   hash_16                hashing a 16-frame stack (64-bit multiply-mix)
 *   intern_lookup_16       hash + probe of an intern table of 1,000
 *                          stacks that hits (compare 16 frames)
 *   table_insert_erase     insert + erase of one pointer in an open-
 *                          addressing table holding 100,000 live blocks,
 *                          under an uncontended pthread mutex (the shard
 *                          lock); one per malloc and one per free
 *   tls_reentry_guard      a thread-local "in hook" flag set and cleared
 *
 *   capture [--iters N]
 */
#define _GNU_SOURCE
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline))
#define BARRIER() __asm__ volatile("" ::: "memory")
#define REPS 7
#define STACK_DEPTH 48

static long iters = 200000;
static volatile uintptr_t sink;

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	/* Named for history; returns the best (lowest) repetition. */
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[0];
}

/* ---- stack capture, run at the bottom of a deep recursion ---- */

enum kind { K_UNW, K_FP };
static int cur_depth;
static enum kind cur_kind;
static double result_ns;

static NOINLINE int fp_walk(void **buf, int max)
{
	void **fp = __builtin_frame_address(0);
	int n = 0;
	while (fp && n < max) {
		void *ret = fp[1];
		if (!ret)
			break;
		buf[n++] = ret;
		void **next = (void **)fp[0];
		if (next <= fp)
			break;
		fp = next;
	}
	return n;
}

static NOINLINE void measure_capture(void)
{
	void *buf[64];
	double reps[REPS];
	int got = 0;
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ns();
		for (long i = 0; i < iters; i++) {
			if (cur_kind == K_UNW)
				got = unw_backtrace(buf, cur_depth);
			else
				got = fp_walk(buf, cur_depth);
			BARRIER();
		}
		reps[r] = (now_ns() - t0) / (double)iters;
	}
	if (got < cur_depth)
		fprintf(stderr, "capture: warning: asked %d frames, got %d\n",
			cur_depth, got);
	sink += (uintptr_t)buf[0];
	result_ns = median(reps, REPS);
}

static NOINLINE void recurse(int left)
{
	if (left <= 0)
		measure_capture();
	else
		recurse(left - 1);
	BARRIER();
}

static double capture_ns(enum kind k, int depth)
{
	cur_kind = k;
	cur_depth = depth;
	recurse(STACK_DEPTH);
	return result_ns;
}

/* ---- the other parts ---- */

static inline uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static double malloc_free_ns(void)
{
	double reps[REPS];
	uint64_t s = 7;
	for (int r = 0; r < REPS; r++) {
		double t0 = now_ns();
		for (long i = 0; i < iters * 5; i++) {
			char *p = malloc(16 + xorshift(&s) % 497);
			p[0] = 1;
			BARRIER();
			free(p);
		}
		reps[r] = (now_ns() - t0) / (double)(iters * 5);
	}
	return median(reps, REPS);
}

static inline uint64_t hash_stack(void *const *f, int n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (uint64_t)n;
	for (int i = 0; i < n; i++) {
		h ^= (uint64_t)(uintptr_t)f[i];
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	return h;
}

static double hash_ns(void)
{
	void *frames[16];
	double reps[REPS];
	for (int i = 0; i < 16; i++)
		frames[i] = (void *)(uintptr_t)(0x400000 + i * 0x1234);
	for (int r = 0; r < REPS; r++) {
		uint64_t acc = 0;
		double t0 = now_ns();
		for (long i = 0; i < iters * 5; i++) {
			frames[0] = (void *)(uintptr_t)i;
			acc += hash_stack(frames, 16);
			BARRIER();
		}
		reps[r] = (now_ns() - t0) / (double)(iters * 5);
		sink += acc;
	}
	return median(reps, REPS);
}

#define NSTACKS 1000
#define INTERN_SLOTS 4096
struct interned {
	uint64_t hash;
	void *frames[16];
};
static struct interned *intern_tab[INTERN_SLOTS];

static double intern_ns(void)
{
	static struct interned stacks[NSTACKS];
	double reps[REPS];
	uint64_t s = 99;
	for (int k = 0; k < NSTACKS; k++) {
		for (int i = 0; i < 16; i++)
			stacks[k].frames[i] = (void *)(uintptr_t)xorshift(&s);
		stacks[k].hash = hash_stack(stacks[k].frames, 16);
		uint64_t slot = stacks[k].hash & (INTERN_SLOTS - 1);
		while (intern_tab[slot])
			slot = (slot + 1) & (INTERN_SLOTS - 1);
		intern_tab[slot] = &stacks[k];
	}
	void *probe[16];
	for (int r = 0; r < REPS; r++) {
		long found = 0;
		double t0 = now_ns();
		for (long i = 0; i < iters * 5; i++) {
			const struct interned *want = &stacks[i % NSTACKS];
			memcpy(probe, want->frames, sizeof(probe));
			BARRIER();
			uint64_t h = hash_stack(probe, 16);
			uint64_t slot = h & (INTERN_SLOTS - 1);
			for (;;) {
				struct interned *e = intern_tab[slot];
				if (!e)
					break;
				if (e->hash == h &&
				    !memcmp(e->frames, probe, sizeof(probe))) {
					found++;
					break;
				}
				slot = (slot + 1) & (INTERN_SLOTS - 1);
			}
		}
		reps[r] = (now_ns() - t0) / (double)(iters * 5);
		sink += (uintptr_t)found;
	}
	return median(reps, REPS);
}

/* Open addressing with backward-shift deletion, keyed by pointer. */
#define TAB_BITS 18
#define TAB_SLOTS (1u << TAB_BITS)
struct entry {
	uintptr_t ptr;
	uint32_t stack;
	uint32_t size;
};
static struct entry *table;
static pthread_mutex_t shard_lock = PTHREAD_MUTEX_INITIALIZER;

static inline uint32_t ptr_slot(uintptr_t p)
{
	return (uint32_t)(((uint64_t)p * 0x9E3779B97F4A7C15ull) >>
			  (64 - TAB_BITS));
}

static void tab_insert(uintptr_t p, uint32_t stack, uint32_t size)
{
	uint32_t s = ptr_slot(p);
	while (table[s].ptr)
		s = (s + 1) & (TAB_SLOTS - 1);
	table[s].ptr = p;
	table[s].stack = stack;
	table[s].size = size;
}

static int tab_erase(uintptr_t p)
{
	uint32_t s = ptr_slot(p);
	while (table[s].ptr != p) {
		if (!table[s].ptr)
			return 0;
		s = (s + 1) & (TAB_SLOTS - 1);
	}
	uint32_t hole = s;
	for (;;) {
		s = (s + 1) & (TAB_SLOTS - 1);
		if (!table[s].ptr)
			break;
		uint32_t home = ptr_slot(table[s].ptr);
		/* move it back if its home is not within (hole, s] */
		if (((s - home) & (TAB_SLOTS - 1)) >=
		    ((s - hole) & (TAB_SLOTS - 1))) {
			table[hole] = table[s];
			hole = s;
		}
	}
	table[hole].ptr = 0;
	return 1;
}

static double table_ns(void)
{
	const uint32_t live = 100000;
	uintptr_t *ring = malloc(live * sizeof(*ring));
	table = calloc(TAB_SLOTS, sizeof(*table));
	uint64_t s = 3;
	for (uint32_t i = 0; i < live; i++) {
		ring[i] = (uintptr_t)(xorshift(&s) & ~(uintptr_t)15);
		tab_insert(ring[i], i, 32);
	}
	double reps[REPS];
	for (int r = 0; r < REPS; r++) {
		long miss = 0;
		double t0 = now_ns();
		for (long i = 0; i < iters * 5; i++) {
			uint32_t slot = (uint32_t)(i % live);
			pthread_mutex_lock(&shard_lock);
			miss += !tab_erase(ring[slot]);
			pthread_mutex_unlock(&shard_lock);
			ring[slot] = (uintptr_t)(xorshift(&s) & ~(uintptr_t)15);
			pthread_mutex_lock(&shard_lock);
			tab_insert(ring[slot], slot, 32);
			pthread_mutex_unlock(&shard_lock);
		}
		reps[r] = (now_ns() - t0) / (double)(iters * 5);
		if (miss)
			fprintf(stderr, "capture: table lost %ld entries\n", miss);
	}
	free(ring);
	free(table);
	return median(reps, REPS);
}

static __thread int in_hook;

static double tls_ns(void)
{
	double reps[REPS];
	for (int r = 0; r < REPS; r++) {
		long n = 0;
		double t0 = now_ns();
		for (long i = 0; i < iters * 5; i++) {
			if (!in_hook) {
				in_hook = 1;
				BARRIER();
				n++;
				in_hook = 0;
			}
			BARRIER();
		}
		reps[r] = (now_ns() - t0) / (double)(iters * 5);
		sink += (uintptr_t)n;
	}
	return median(reps, REPS);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--iters"))
		iters = strtol(argv[2], NULL, 0);

	printf("malloc_free %.1f\n", malloc_free_ns());
	printf("unw_backtrace_global_16 %.1f\n", capture_ns(K_UNW, 16));
	if (unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD))
		fprintf(stderr, "capture: unw_set_caching_policy failed\n");
	/* warm the per-thread cache before timing */
	capture_ns(K_UNW, 32);
	printf("unw_backtrace_8 %.1f\n", capture_ns(K_UNW, 8));
	printf("unw_backtrace_16 %.1f\n", capture_ns(K_UNW, 16));
	printf("unw_backtrace_32 %.1f\n", capture_ns(K_UNW, 32));
	printf("fp_walk_16 %.1f\n", capture_ns(K_FP, 16));
	printf("hash_16 %.1f\n", hash_ns());
	printf("intern_lookup_16 %.1f\n", intern_ns());
	printf("table_insert_erase %.1f\n", table_ns());
	printf("tls_reentry_guard %.1f\n", tls_ns());
	return 0;
}
