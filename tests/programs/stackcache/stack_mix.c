/* Stacks the stack cache (src/stack.c) must reuse only when a walk would
 * give the same frames: recursion at six depths, a frame-pointer function
 * with alloca of varying size called from two callers, allocations in a
 * signal handler, longjmp out of a deep chain, and two threads doing the
 * same. Built -O2 without frame pointers (most frames compute their CFA
 * from rsp; the alloca frame from rbp). Every block below is leaked, none
 * is referenced, so each is definitely lost:
 *   recurse_alloc at depths 1..6, 40 times each        240 x 32 B = 7,680 B
 *   recurse_alloc at depth 30 (deeper than depth=16),  20 x 32 B = 640 B
 *   alloca_alloc, 300 from caller_a and 300 from caller_b 600 x 48 B = 28,800 B
 *   on_signal, 25 times                                  25 x 40 B = 1,000 B
 *   jump_alloc, 60 times                                 60 x 56 B = 3,360 B
 *   thread_alloc, 2 threads x 500                      1,000 x 24 B = 24,000 B
 * total 1,945 blocks, 65,480 B. valgrind 3.19 memcheck (--leak-check=full
 * --show-leak-kinds=all): "definitely lost: 65,480 bytes in 1,945 blocks". */
#include <alloca.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))
#define KEEP() __asm__ volatile("" ::: "memory")

static volatile unsigned long sink;

static NOINLINE void recurse_alloc(int depth)
{
	if (depth > 1) {
		recurse_alloc(depth - 1);
		KEEP();                 /* no tail call: every level is a frame */
		return;
	}
	void *p = malloc(32);
	memset(p, 1, 32);
	sink += (unsigned long)p & 1;   /* the pointer is dropped: lost */
}

static NOINLINE void alloca_alloc(unsigned n)
{
	/* a variable-size frame: gcc computes its CFA from rbp */
	char *buf = alloca(n);
	memset(buf, 0, n);
	void *p = malloc(48);
	memset(p, 2, 48);
	sink += ((unsigned long)p & 1) + (unsigned char)buf[n / 2];
	KEEP();
}

static NOINLINE void caller_a(unsigned n)
{
	alloca_alloc(n);
	KEEP();
}

static NOINLINE void caller_b_inner(unsigned n)
{
	alloca_alloc(n);
	KEEP();
}

static NOINLINE void caller_b(unsigned n)
{
	caller_b_inner(n);
	KEEP();
}

static void on_signal(int sig)
{
	(void)sig;
	void *p = malloc(40);
	memset(p, 3, 40);
	sink += (unsigned long)p & 1;
}

static jmp_buf env;

static NOINLINE void jump_alloc(int level)
{
	if (level) {
		jump_alloc(level - 1);
		KEEP();
		return;
	}
	void *p = malloc(56);
	memset(p, 4, 56);
	sink += (unsigned long)p & 1;
	longjmp(env, 1);
}

static NOINLINE void thread_alloc(void)
{
	void *p = malloc(24);
	memset(p, 5, 24);
	sink += (unsigned long)p & 1;
	KEEP();
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 500; i++) {
		thread_alloc();
		/* churn: freed blocks between the leaked ones */
		free(malloc(16 + (size_t)i % 64));
	}
	return NULL;
}

int main(void)
{
	for (int round = 0; round < 40; round++)
		for (int d = 1; d <= 6; d++)
			recurse_alloc(d);
	/* cut at depth: the cached and the walked stack must cut alike */
	for (int round = 0; round < 20; round++)
		recurse_alloc(30);

	unsigned seed = 12345;
	for (int i = 0; i < 300; i++) {
		seed = seed * 1103515245u + 12345u;
		caller_a(16 + (seed >> 16) % 512);
		seed = seed * 1103515245u + 12345u;
		caller_b(16 + (seed >> 16) % 512);
	}

	signal(SIGUSR2, on_signal);
	for (int i = 0; i < 25; i++)
		raise(SIGUSR2);

	for (int i = 0; i < 60; i++)
		if (!setjmp(env))
			jump_alloc(i % 5);

	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	printf("done %lu\n", sink & 1);
	return 0;
}
