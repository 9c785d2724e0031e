/* The only pointer to a block lives in a local variable of a thread that
 * is still running (in pause()) when the process exits: still reachable.
 * memcheck: definitely 0, indirectly 0, possibly 0; the 40-byte block
 * still reachable. */
#include <stdlib.h>

#include "common.h"

static void *worker(void *arg)
{
	(void)arg;
	void *volatile local = calloc(1, 40);
	(void)local;
	scrub();
	announce_and_wait();
	return NULL;
}

int main(void)
{
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	wait_ready();
	return 0;
}
