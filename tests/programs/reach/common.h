/* Helpers shared by the reachability scenarios. */
#ifndef REACH_COMMON_H
#define REACH_COMMON_H

#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* Overwrite the dead stack below the caller, so no stale copy of a pointer
 * from an earlier call survives there. */
__attribute__((noinline)) static void scrub(void)
{
	volatile char buf[16384];
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = 0;
}

static volatile int ready;

/* A helper thread announces it is in place and then never returns. */
__attribute__((noinline, unused)) static void announce_and_wait(void)
{
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	for (;;)
		pause();
}

__attribute__((unused)) static void wait_ready(void)
{
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		usleep(1000);
}

#endif
