/* A thread that blocks every signal (it cannot be stopped for the scan)
 * and sleeps with the only pointer to a block on its stack: its stack
 * mapping is scanned conservatively, the block is still reachable and the
 * report's classify_note says a thread could not be stopped.
 * memcheck: definitely 0, indirectly 0, possibly 0; 36 bytes still
 * reachable. */
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"

static void *worker(void *arg)
{
	(void)arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	void *volatile local = calloc(1, 36);
	(void)local;
	scrub();
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	for (;;) {
		struct timespec ts = {100, 0};
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	wait_ready();
	usleep(20000);   /* let it reach nanosleep */
	return 0;
}
