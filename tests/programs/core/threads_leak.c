/* Four joined worker threads, each leaking two 64-byte blocks and freeing
 * one. memcheck: definitely lost 512 bytes in 8 blocks (in worker). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++) {
		char *p = malloc(64);
		memset(p, i, 64);
		sink += (unsigned long)p[0];
	}
	char *q = malloc(32);
	sink += (unsigned long)q;
	free(q);
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	write(1, "done\n", 5);
	return 0;
}
