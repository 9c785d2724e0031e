/* Four threads allocate and free heavily while the main thread sends the
 * process SIGUSR1 (the default snapshot signal) 30 times, 2 ms apart; then
 * the threads stop and main leaks 3 blocks of 64 bytes in storm_leak.
 * Without the shim SIGUSR1 would kill the process, so the native run
 * (argv[1] = "native") ignores it. memcheck: 192 bytes in 3 blocks lost. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int stop;
static volatile unsigned long sink;

static void *worker(void *arg)
{
	(void)arg;
	unsigned n = 0;
	void *keep[64] = { 0 };
	while (!stop) {
		unsigned k = n++ % 64;
		free(keep[k]);
		keep[k] = malloc(16 + (n * 37) % 2000);
		((char *)keep[k])[0] = 1;
	}
	for (int k = 0; k < 64; k++)
		free(keep[k]);
	return NULL;
}

__attribute__((noinline)) static void storm_leak(void)
{
	char *p = malloc(64);
	memset(p, 8, 64);
	sink += (unsigned long)p[1];
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "native"))
		signal(SIGUSR1, SIG_IGN);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 30; i++) {
		kill(getpid(), SIGUSR1);
		usleep(2000);
	}
	stop = 1;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 3; i++)
		storm_leak();
	printf("storm done\n");
	return 0;
}
