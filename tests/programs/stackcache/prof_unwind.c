/* A profiler's pattern: a SIGPROF handler that walks the stack with
 * libunwind, while the program allocates (so the tracer walks too, with
 * stack_cache=off every time). libunwind masks signals around its frame
 * lookups; the tracer folds that masking into one block per walk of its
 * own, and must leave the thread's mask as the program set it even when
 * the profiler's walk runs inside the tracer's. Prints "mask ok" when
 * SIGPROF is not blocked at the end and the handler ran, else what is
 * wrong. Frees everything it allocates: valgrind 3.19 memcheck
 * (--leak-check=full --show-leak-kinds=all): "in use at exit: 0 bytes in
 * 0 blocks". */
#define UNW_LOCAL_ONLY
#include <libunwind.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t samples;
static volatile unsigned long sink;

static void on_prof(int sig)
{
	(void)sig;
	void *buf[32];
	int n = unw_backtrace(buf, 32);
	sink += (unsigned long)n;
	samples++;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_prof;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGPROF, &sa, NULL);
	struct itimerval it = { { 0, 500 }, { 0, 500 } };
	setitimer(ITIMER_PROF, &it, NULL);
	void *ring[64] = {0};
	double end = now() + 0.6;
	for (unsigned long i = 0; now() < end; i++) {
		free(ring[i % 64]);
		ring[i % 64] = malloc(16 + i % 400);
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_PROF, &off, NULL);
	for (int i = 0; i < 64; i++)
		free(ring[i]);
	sigset_t cur;
	sigprocmask(SIG_SETMASK, NULL, &cur);
	if (sigismember(&cur, SIGPROF))
		printf("mask BLOCKED after %d samples\n", (int)samples);
	else if (!samples)
		printf("no samples\n");
	else
		printf("mask ok\n");
	return 0;
}
