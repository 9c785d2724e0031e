/* Values kept under pthread keys numbered 32 and up, whose slots live in a
 * second-level array glibc callocs inside pthread_setspecific. 40 keys are
 * created in a preinit_array function, before any constructor and any
 * allocation, so the key libunwind creates in the tracer's first stack
 * capture is 40 or more: the thread's array for keys 32-63 is then callocked
 * inside that capture (in each thread); then main and a worker that
 * stays alive each store one block under key 35 (and the worker one under
 * key 5, in struct pthread itself).
 * memcheck 3.19: definitely 0, indirectly 0, possibly 0; still reachable
 * 40 (main_store) + 56 + 24 (worker_store, keys 35 and 5), plus the two
 * 512-byte second-level arrays glibc allocated. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NKEYS 40

static pthread_key_t keys[NKEYS];
static volatile int ready;

__attribute__((noinline)) static void scrub(void)
{
	volatile char buf[16384];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 0;
}

__attribute__((noinline)) static void main_store(size_t n)
{
	void *p = malloc(n);
	memset(p, 2, n);
	pthread_setspecific(keys[35], p);
}

__attribute__((noinline)) static void worker_store(int k, size_t n)
{
	void *p = malloc(n);
	memset(p, 3, n);
	pthread_setspecific(keys[k], p);
}

static void *worker(void *arg)
{
	(void)arg;
	worker_store(35, 56);
	worker_store(5, 24);
	scrub();
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
	return NULL;
}

static int keys_made;

static void make_keys(void)
{
	for (int i = 0; i < NKEYS; i++)
		if (pthread_key_create(&keys[i], NULL))
			return;
	keys_made = 1;
}

__attribute__((section(".preinit_array"), used)) static void (*const preinit_fn)(void) = make_keys;

int main(void)
{
	if (!keys_made)
		return 1;
	if (keys[35] < 32)
		return 2;   /* the scenario needs a second-level slot */
	main_store(40);
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		usleep(1000);
	scrub();
	printf("tsd_many_keys done\n");
	return 0;
}
