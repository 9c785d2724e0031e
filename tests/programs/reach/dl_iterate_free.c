/* Three threads loop over dl_iterate_phdr with a callback that allocates and
 * frees, while main leaks one block and returns: the exit report runs while
 * the thread sits inside the loader's lock and inside malloc/free. A tracer
 * that takes its heap locks and then (through libunwind or its own root
 * walk) dl_iterate_phdr deadlocks here. The loop is bounded so the program
 * always ends, with or without the shim.
 * memcheck 3.19: definitely lost 77 in 1 (main_leak); indirectly 0,
 * possibly 0 (the threads' transient blocks, if any, are on their stacks). */
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "common.h"

static volatile unsigned long sink;
static int started;

#define NTHREADS 3

static int cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	char *p = malloc(24 + (info->dlpi_phnum & 7));
	p[0] = 1;
	sink += (unsigned long)p[0];
	free(p);
	return 0;
}

static void *loop(void *arg)
{
	(void)arg;
	for (long i = 0; i < 200000; i++) {
		dl_iterate_phdr(cb, NULL);
		if (i == 100)
			__atomic_fetch_add(&started, 1, __ATOMIC_ACQ_REL);
	}
	return NULL;
}

__attribute__((noinline)) static void main_leak(void)
{
	char *p = malloc(77);
	p[0] = 2;
	sink += (unsigned long)p[0];
}

int main(void)
{
	for (int i = 0; i < NTHREADS; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, loop, NULL))
			return 2;
		pthread_detach(t);
	}
	while (__atomic_load_n(&started, __ATOMIC_ACQUIRE) < NTHREADS)
		usleep(100);
	main_leak();
	scrub();
	return 0;
}
