/* Eight threads allocate and free 20,000 blocks each; half of every
 * thread's blocks are freed by another thread (through a shared queue), and
 * threads finish and exit at different times while the others still
 * allocate. Every churn block is freed (the queue is drained at the end);
 * thread i (0..7) also leaks i+1 blocks of 24 bytes in keep_leak.
 * memcheck: definitely lost 864 bytes in 36 blocks, all in keep_leak; no
 * churn_alloc block lost. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8
#define ITERS 20000
#define QCAP 4096

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static void *queue[QCAP];
static int qlen;
static volatile unsigned long sink;

__attribute__((noinline)) static void *churn_alloc(size_t n)
{
	char *p = malloc(n);
	p[0] = (char)n;
	sink += (unsigned long)p[0];
	return p;
}

__attribute__((noinline)) static void keep_leak(void)
{
	char *p = malloc(24);
	memset(p, 5, 24);
	sink += (unsigned long)p[2];
}

static void *worker(void *arg)
{
	long id = (long)arg;
	unsigned seed = (unsigned)id * 7919u + 1;
	for (int i = 0; i < ITERS * (int)(id + 1) / THREADS + ITERS / 2; i++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = 16 + (seed >> 16) % 600;
		void *p = churn_alloc(n);
		if (i & 1) {
			free(p);                      /* own free */
			continue;
		}
		void *other = NULL;
		pthread_mutex_lock(&qlock);
		if (qlen == QCAP || (qlen > 0 && (seed & 0x100)))
			other = queue[--qlen];
		if (qlen < QCAP)
			queue[qlen++] = p;            /* freed by some other thread */
		else
			other = p;
		pthread_mutex_unlock(&qlock);
		free(other);                          /* likely another thread's block */
		if (i % 997 == 0) {
			void *q = churn_alloc(n * 2);
			q = realloc(q, n * 3);           /* moves between threads too */
			free(q);
		}
	}
	for (long k = 0; k <= id; k++)
		keep_leak();
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	for (long i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	while (qlen > 0)
		free(queue[--qlen]);
	printf("threads done\n");
	return 0;
}
