/* Blocks kept only through thread-local storage: a static __thread
 * variable of the main thread and of a running worker, and a
 * pthread_setspecific slot of each (key values live in struct pthread).
 * memcheck: definitely 0, indirectly 0, possibly 0; still reachable
 * 24 + 56 (tls_store) + 72 + 88 (specific_store). */
#include <stdlib.h>

#include "common.h"

static __thread void *tls_ptr;
static pthread_key_t key;

__attribute__((noinline)) static void tls_store(size_t n)
{
	tls_ptr = calloc(1, n);
}

__attribute__((noinline)) static void specific_store(size_t n)
{
	pthread_setspecific(key, calloc(1, n));
}

static void *worker(void *arg)
{
	(void)arg;
	tls_store(56);
	specific_store(88);
	scrub();
	announce_and_wait();
	return NULL;
}

int main(void)
{
	pthread_key_create(&key, NULL);
	tls_store(24);
	specific_store(72);
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	wait_ready();
	scrub();
	return 0;
}
