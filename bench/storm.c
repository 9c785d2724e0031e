/* storm: a malloc/free storm with a configurable live set, stack depth,
 * thread count and leaks.  Part of the leaktrace benchmark suite (bench/).
 *
 * Each thread keeps its own ring buffer of live blocks.  Every operation
 * frees the block in the next ring slot and allocates a new one of a random
 * size in [16, 512] in its place, filling it so the memory is touched.
 * Between the free and the malloc, --work K rounds of xorshift stand for
 * the program's own work (default 0; the runner passes a calibrated
 * value, see bench/README.md).
 * The allocation loop runs at the bottom of a recursion through distinct
 * noinline functions, so the stack seen from inside malloc has --depth
 * frames counted from the allocating function up to and including the
 * outermost frame (_start for the main thread, clone3 for other threads).
 * The allocation itself goes through one of 8 distinct noinline "site"
 * functions, so the run has 8 distinct allocation stacks per thread.
 *
 * At the end every live block is freed except --leaks of them per run,
 * which are left to the leak tracer.  A checksum is printed so the compiler
 * cannot drop the work.
 *
 *   storm [--live N] [--ops M] [--depth D] [--threads T] [--leaks L]
 *         [--work K] [--seed S] [--show-stack]
 *
 * --live and --ops are totals, split evenly between the threads.
 */
#define _GNU_SOURCE
#include <execinfo.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))
#define BARRIER() __asm__ volatile("" ::: "memory")
#define MAX_LEVELS 64

struct worker {
	pthread_t tid;
	int index;
	size_t live;
	uint64_t ops;
	size_t leaks;
	int depth;
	int show_stack;
	unsigned work;
	uint64_t seed;
	uint64_t checksum;
	void **ring;
};

static inline uint64_t xorshift(uint64_t *s)
{
	uint64_t x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

/* Eight distinct allocation sites. */
#define SITE(n)                                                              \
	static NOINLINE void *site##n(size_t size)                           \
	{                                                                    \
		void *p = malloc(size);                                      \
		BARRIER();                                                   \
		return p;                                                    \
	}
SITE(0) SITE(1) SITE(2) SITE(3) SITE(4) SITE(5) SITE(6) SITE(7)
static void *(*const sites[8])(size_t) = {site0, site1, site2, site3,
					   site4, site5, site6, site7};

static int count_frames(void)
{
	void *buf[256];
	return backtrace(buf, 256);
}

static NOINLINE void storm_loop(struct worker *w)
{
	uint64_t s = w->seed;
	uint64_t sum = 0;
	size_t n = w->live, i;
	void **ring = w->ring;

	if (w->show_stack) {
		/* backtrace() from here sees storm_loop and its callers; a
		 * site function sits between storm_loop and malloc. */
		int frames = count_frames() - 1 /* count_frames itself */ + 1;
		fprintf(stderr, "storm: thread %d: %d frames from the site "
			"function up (malloc's caller's stack)\n", w->index,
			frames);
	}
	for (i = 0; i < n; i++) {
		uint64_t r = xorshift(&s);
		size_t size = 16 + (r % 497);
		char *p = sites[(r >> 32) & 7](size);
		if (!p)
			abort();
		memset(p, (int)r, size);
		ring[i] = p;
	}
	for (uint64_t op = 0; op < w->ops; op++) {
		size_t slot = op % n;
		uint64_t r = xorshift(&s);
		char *old = ring[slot];
		sum += (unsigned char)old[(r >> 20) & 7];
		free(old);
		/* The program's own work between allocations. */
		uint64_t x = r;
		for (unsigned k = 0; k < w->work; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sum += x & 1;
		size_t size = 16 + (r % 497);
		char *p = sites[(r >> 32) & 7](size);
		if (!p)
			abort();
		memset(p, (int)r, size);
		p[size - 1] = (char)op;
		ring[slot] = p;
	}
	for (i = w->leaks; i < n; i++) {
		sum += (unsigned char)((char *)ring[i])[1];
		free(ring[i]);
	}
	w->checksum = sum;
}

/* A recursion of distinct noinline functions: level k calls level k+1
 * until the wanted number of levels is reached, then runs the loop. */
typedef void (*level_fn)(struct worker *, int);
static const level_fn levels[MAX_LEVELS];

#define LEVEL(n)                                                             \
	static NOINLINE void level##n(struct worker *w, int left)           \
	{                                                                    \
		if (left <= 0)                                               \
			storm_loop(w);                                       \
		else                                                         \
			levels[(n + 1) % MAX_LEVELS](w, left - 1);           \
		BARRIER();                                                   \
	}
LEVEL(0) LEVEL(1) LEVEL(2) LEVEL(3) LEVEL(4) LEVEL(5) LEVEL(6) LEVEL(7)
LEVEL(8) LEVEL(9) LEVEL(10) LEVEL(11) LEVEL(12) LEVEL(13) LEVEL(14)
LEVEL(15) LEVEL(16) LEVEL(17) LEVEL(18) LEVEL(19) LEVEL(20) LEVEL(21)
LEVEL(22) LEVEL(23) LEVEL(24) LEVEL(25) LEVEL(26) LEVEL(27) LEVEL(28)
LEVEL(29) LEVEL(30) LEVEL(31) LEVEL(32) LEVEL(33) LEVEL(34) LEVEL(35)
LEVEL(36) LEVEL(37) LEVEL(38) LEVEL(39) LEVEL(40) LEVEL(41) LEVEL(42)
LEVEL(43) LEVEL(44) LEVEL(45) LEVEL(46) LEVEL(47) LEVEL(48) LEVEL(49)
LEVEL(50) LEVEL(51) LEVEL(52) LEVEL(53) LEVEL(54) LEVEL(55) LEVEL(56)
LEVEL(57) LEVEL(58) LEVEL(59) LEVEL(60) LEVEL(61) LEVEL(62) LEVEL(63)
static const level_fn levels[MAX_LEVELS] = {
	level0,  level1,  level2,  level3,  level4,  level5,  level6,  level7,
	level8,  level9,  level10, level11, level12, level13, level14, level15,
	level16, level17, level18, level19, level20, level21, level22, level23,
	level24, level25, level26, level27, level28, level29, level30, level31,
	level32, level33, level34, level35, level36, level37, level38, level39,
	level40, level41, level42, level43, level44, level45, level46, level47,
	level48, level49, level50, level51, level52, level53, level54, level55,
	level56, level57, level58, level59, level60, level61, level62, level63,
};

static NOINLINE void run_worker(struct worker *w)
{
	/* Frames already on the stack, counting run_worker itself. */
	int base = count_frames() - 1;
	/* The site function + storm_loop + one level per recursion step
	 * (level0 always runs) + the frames from run_worker up. */
	int extra = w->depth - base - 3;
	if (extra < 0)
		extra = 0;
	if (extra >= MAX_LEVELS)
		extra = MAX_LEVELS - 1;
	levels[0](w, extra);
	BARRIER();
}

static void *thread_main(void *arg)
{
	run_worker(arg);
	return NULL;
}

static unsigned long long arg_num(const char *name, const char *v)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 0);
	if (!*v || *end) {
		fprintf(stderr, "storm: bad number for %s: %s\n", name, v);
		exit(2);
	}
	return n;
}

int main(int argc, char **argv)
{
	size_t live = 100000, leaks = 0;
	uint64_t ops = 10000000, seed = 12345;
	int depth = 12, threads = 1, show_stack = 0;
	unsigned work = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--show-stack")) {
			show_stack = 1;
			continue;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "usage: storm [--live N] [--ops M] "
				"[--depth D] [--threads T] [--leaks L] "
				"[--work K] [--seed S] [--show-stack]\n");
			return 2;
		}
		unsigned long long v = arg_num(a, argv[++i]);
		if (!strcmp(a, "--live"))
			live = v;
		else if (!strcmp(a, "--ops"))
			ops = v;
		else if (!strcmp(a, "--depth"))
			depth = (int)v;
		else if (!strcmp(a, "--threads"))
			threads = (int)v;
		else if (!strcmp(a, "--leaks"))
			leaks = v;
		else if (!strcmp(a, "--work"))
			work = (unsigned)v;
		else if (!strcmp(a, "--seed"))
			seed = v;
		else {
			fprintf(stderr, "storm: unknown option %s\n", a);
			return 2;
		}
	}
	if (threads < 1 || live < (size_t)threads) {
		fprintf(stderr, "storm: need threads >= 1 and live >= threads\n");
		return 2;
	}

	struct worker *w = calloc((size_t)threads, sizeof(*w));
	for (int t = 0; t < threads; t++) {
		w[t].index = t;
		w[t].live = live / (size_t)threads;
		w[t].ops = ops / (uint64_t)threads;
		w[t].leaks = leaks / (size_t)threads + (t == 0 ? leaks % (size_t)threads : 0);
		if (w[t].leaks > w[t].live)
			w[t].leaks = w[t].live;
		w[t].depth = depth;
		w[t].show_stack = show_stack;
		w[t].work = work;
		w[t].seed = seed * 0x9E3779B97F4A7C15ull + (uint64_t)t + 1;
		w[t].ring = malloc(w[t].live * sizeof(void *));
		if (!w[t].ring)
			abort();
	}
	if (threads == 1) {
		run_worker(&w[0]);
	} else {
		for (int t = 0; t < threads; t++)
			if (pthread_create(&w[t].tid, NULL, thread_main, &w[t])) {
				perror("pthread_create");
				return 1;
			}
		for (int t = 0; t < threads; t++)
			pthread_join(w[t].tid, NULL);
	}
	uint64_t sum = 0;
	for (int t = 0; t < threads; t++) {
		sum = sum * 31 + w[t].checksum;
		free(w[t].ring);
	}
	free(w);
	printf("storm checksum %llu\n", (unsigned long long)sum);
	return 0;
}
