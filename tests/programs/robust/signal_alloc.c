/* A 0.2 ms interval timer whose SIGALRM handler mallocs and frees (not
 * async-signal-safe, but programs do it), while the main loop mallocs and
 * frees heavily for about a second; main then leaks 10 blocks of 40 bytes
 * in main_leak. Prints how many handler calls ran.
 * The handler allocates 56 bytes and frees them at once, so glibc serves
 * it from the thread cache and the native run cannot deadlock either.
 * memcheck: 400 bytes in 10 blocks definitely lost (main_leak). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t handled;
static volatile unsigned long sink;

static void on_alarm(int sig)
{
	(void)sig;
	char *p = malloc(56);
	if (p) {
		p[0] = 1;
		sink += (unsigned long)p[0];
	}
	free(p);
	handled++;
}

__attribute__((noinline)) static void main_leak(void)
{
	char *p = malloc(40);
	memset(p, 7, 40);
	sink += (unsigned long)p[1];
}

int main(void)
{
	free(malloc(56));          /* warm the thread cache for the handler */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	setitimer(ITIMER_REAL, &it, NULL);
	struct timespec t0, t;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	unsigned n = 0;
	do {
		for (int i = 0; i < 1000; i++) {
			char *p = malloc(100 + (n++ % 300));
			p[0] = 2;
			sink += (unsigned long)p[0];
			free(p);
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < 1000);
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	for (int i = 0; i < 10; i++)
		main_leak();
	printf("handled %s\n", handled > 100 ? "many" : "few");
	return 0;
}
