/* livebig: builds a large live set from many distinct stacks, then exits
 * without freeing it, so a leak tracer has to classify, group, symbolize
 * and write it all at exit.  Part of the leaktrace benchmark suite.
 *
 *   livebig [--blocks N] [exit|usr1|hold]
 *
 * N blocks (default 1,000,000) of 16..64 bytes are allocated from 1,000
 * distinct stacks: a three-level dispatch through 10 x 10 x 10 distinct
 * noinline functions.  Blocks are kept reachable from a global array, so
 * they are "still reachable" for tools that scan memory; the array itself
 * is dropped just before exit for half of them, making those definitely
 * lost.
 *
 * Mode "exit" (default): prints "livebig exit-at <monotonic seconds>" on
 * stdout (flushed) right before main returns, so the runner can time what
 * happens after main (the tracer's exit report) by the time the process is
 * reaped.
 *
 * Mode "usr1": after building the live set, sends itself SIGUSR1 (the
 * tracer's snapshot signal) and sleeps 1 s, then exits as above.  Unless
 * a SIGUSR1 handler is installed or LD_PRELOAD names leaktrace (whose
 * handler sigaction() does not show), it says so and skips the signal
 * instead of dying from it.
 *
 * Mode "hold": after building the live set, waits until standard input
 * is closed (so the runner can read VmRSS with the live set in place),
 * then exits as above.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define BARRIER() __asm__ volatile("" ::: "memory")

static void **blocks;
static size_t nblocks;
static uint64_t rng = 88172645463325252ull;

static inline uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

#define C_FN(n)                                                              \
	static NOINLINE void *c##n(size_t size)                              \
	{                                                                    \
		void *p = malloc(size);                                      \
		BARRIER();                                                   \
		return p;                                                    \
	}
C_FN(0) C_FN(1) C_FN(2) C_FN(3) C_FN(4) C_FN(5) C_FN(6) C_FN(7) C_FN(8) C_FN(9)
static void *(*const cs[10])(size_t) = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9};

#define B_FN(n)                                                              \
	static NOINLINE void *b##n(unsigned k, size_t size)                  \
	{                                                                    \
		void *p = cs[k % 10](size);                                  \
		BARRIER();                                                   \
		return p;                                                    \
	}
B_FN(0) B_FN(1) B_FN(2) B_FN(3) B_FN(4) B_FN(5) B_FN(6) B_FN(7) B_FN(8) B_FN(9)
static void *(*const bs[10])(unsigned, size_t) = {b0, b1, b2, b3, b4,
						  b5, b6, b7, b8, b9};

#define A_FN(n)                                                              \
	static NOINLINE void *a##n(unsigned k, size_t size)                  \
	{                                                                    \
		void *p = bs[(k / 10) % 10](k, size);                        \
		BARRIER();                                                   \
		return p;                                                    \
	}
A_FN(0) A_FN(1) A_FN(2) A_FN(3) A_FN(4) A_FN(5) A_FN(6) A_FN(7) A_FN(8) A_FN(9)
static void *(*const as[10])(unsigned, size_t) = {a0, a1, a2, a3, a4,
						  a5, a6, a7, a8, a9};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t n = 1000000;
	int usr1 = 0, hold = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--blocks") && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "usr1"))
			usr1 = 1;
		else if (!strcmp(argv[i], "hold"))
			hold = 1;
		else if (!strcmp(argv[i], "exit"))
			usr1 = 0;
		else {
			fprintf(stderr, "usage: livebig [--blocks N] [exit|usr1|hold]\n");
			return 2;
		}
	}
	blocks = malloc(n * sizeof(void *));
	if (!blocks)
		abort();
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned k = (unsigned)(i % 1000);
		size_t size = 16 + (next() % 49);
		char *p = as[(k / 100) % 10](k, size);
		if (!p)
			abort();
		memset(p, (int)i, size);
		sum += (unsigned char)p[size - 1];
		blocks[i] = p;
	}
	nblocks = n;
	double built = now();
	printf("livebig built %zu blocks checksum %llu at %.6f\n", n,
	       (unsigned long long)sum, built);
	fflush(stdout);

	if (hold) {
		char buf[64];
		while (read(0, buf, sizeof(buf)) > 0)
			;
	}
	if (usr1) {
		struct sigaction sa;
		const char *pre = getenv("LD_PRELOAD");
		/* leaktrace hides its own handler from sigaction(), so look at
		 * LD_PRELOAD too. */
		if ((pre && strstr(pre, "leaktrace")) ||
		    (sigaction(SIGUSR1, NULL, &sa) == 0 &&
		     sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN)) {
			kill(getpid(), SIGUSR1);
			sleep(1);
		} else {
			printf("livebig: no SIGUSR1 handler installed, "
			       "no snapshot taken\n");
		}
	}
	/* Drop the references to every other block: half the set becomes
	 * definitely lost, the other half stays reachable via blocks[]. */
	for (size_t i = 0; i < n; i += 2)
		blocks[i] = NULL;
	BARRIER();
	printf("livebig exit-at %.6f\n", now());
	fflush(stdout);
	return 0;
}
