/* Leaks 77 bytes in mode_leak, prints "before", then ends the way argv[1]
 * says: exit (status 0), return (from main while four threads still
 * allocate), exit_threads (exit(0) while threads allocate), _exit (status
 * 5), quick_exit (status 6, after its at_quick_exit handler prints), abort
 * (SIGABRT), sigterm (raise(SIGTERM)), segv (a null write), usr1_default
 * (resets SIGUSR1 to SIG_DFL as programs do before exec, prints what it
 * reads back, raises SIGUSR1 - a snapshot under the shim, death natively -
 * and exits 0 after 300 ms).
 * memcheck: 77 bytes definitely lost in mode_leak (when it reports at all). */
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;
static volatile int stop;

__attribute__((noinline)) static void mode_leak(void)
{
	char *p = malloc(77);
	memset(p, 6, 77);
	sink += (unsigned long)p[7];
}

static void *spinner(void *arg)
{
	(void)arg;
	unsigned n = 0;
	while (!stop) {
		char *p = malloc(32 + (n++ % 512));
		p[0] = 1;
		sink += (unsigned long)p[0];
		free(p);
	}
	return NULL;
}

static void on_quick_exit(void)
{
	printf("quick_exit handler\n");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "exit";
	mode_leak();
	printf("before\n");
	fflush(stdout);
	if (!strcmp(mode, "return") || !strcmp(mode, "exit_threads")) {
		pthread_t t;
		for (int i = 0; i < 4; i++)
			pthread_create(&t, NULL, spinner, NULL);
		usleep(50000);
		if (!strcmp(mode, "exit_threads"))
			exit(0);
		return 0;
	}
	if (!strcmp(mode, "_exit"))
		_exit(5);
	if (!strcmp(mode, "quick_exit")) {
		at_quick_exit(on_quick_exit);
		quick_exit(6);
	}
	if (!strcmp(mode, "abort"))
		abort();
	if (!strcmp(mode, "sigterm"))
		raise(SIGTERM);
	if (!strcmp(mode, "usr1_default")) {
		signal(SIGUSR1, SIG_DFL);
		struct sigaction cur;
		sigaction(SIGUSR1, NULL, &cur);
		printf("usr1 %s\n", cur.sa_handler == SIG_DFL ? "default" : "other");
		fflush(stdout);
		raise(SIGUSR1);
		usleep(300000);
		return 0;
	}
	if (!strcmp(mode, "segv"))
		*(volatile int *)(uintptr_t)sink = 0;   /* sink is small: faults */
	return 0;
}
