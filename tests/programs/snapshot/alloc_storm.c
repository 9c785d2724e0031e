/* Several threads allocating and freeing for a fixed time (argv[1] ms,
 * default 2000) while snapshots are requested: each thread keeps a ring of
 * 256 live blocks; at the end every block is freed and 10 blocks of 32
 * bytes are leaked from leak_ten. Prints "done" and exits 0. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define THREADS 4
#define RING 256

static long run_ms = 2000;
static volatile unsigned long sink;

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(unsigned long)arg;
	void *ring[RING] = { 0 };
	long end = now_ms() + run_ms;
	unsigned long i = 0;
	while (now_ms() < end) {
		for (int k = 0; k < 1000; k++, i++) {
			unsigned slot = (unsigned)(i % RING);
			free(ring[slot]);
			size_t n = 16 + (rand_r(&seed) % 500);
			ring[slot] = malloc(n);
			memset(ring[slot], (int)k, n);
		}
	}
	for (int k = 0; k < RING; k++)
		free(ring[k]);
	return NULL;
}

__attribute__((noinline)) static void leak_ten(void)
{
	for (int i = 0; i < 10; i++) {
		char *p = malloc(32);
		memset(p, i, 32);
		sink += (unsigned long)p[1];
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		run_ms = atol(argv[1]);
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	leak_ten();
	write(1, "done\n", 5);
	return 0;
}
