/* Four worker threads each leak two 100-byte blocks and are joined.
 * memcheck: definitely lost 800 bytes in 8 blocks (worker_leak). */
#include <stdlib.h>
#include <string.h>

#include "common.h"

static volatile unsigned long sink;

__attribute__((noinline)) static void worker_leak(void)
{
	char *p = malloc(100);
	memset(p, 0, 100);
	sink += (unsigned long)p[0];
}

static void *worker(void *arg)
{
	(void)arg;
	worker_leak();
	worker_leak();
	scrub();
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	scrub();
	return 0;
}
