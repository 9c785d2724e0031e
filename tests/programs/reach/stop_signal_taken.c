/* The program installs its own handler for the stop signal (SIGRTMIN+3)
 * after the tracer's first scan (a snapshot) put the tracer's there: the
 * exit scan must still stop the worker thread (no "could not be stopped"
 * note), and the program reads back the handler it set. Before the signal
 * table kept the stop signal, the program's handler replaced the tracer's
 * and every thread became unstoppable.
 * One block, reachable from a global.
 * memcheck: definitely 0, indirectly 0, possibly 0; 40 bytes still
 * reachable in 1 block (plus pthread_create's 272-byte thread block,
 * possibly lost under memcheck, which the tracer's loader rule counts as
 * reachable). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

static void *volatile keep;

static void mine(int sig)
{
	(void)sig;
}

static void *worker(void *arg)
{
	(void)arg;
	announce_and_wait();
	return NULL;
}

/* 1 once some handler is installed for sig (the tracer's, at its first
 * scan): the process-wide SigCgt mask in /proc/self/status. */
static int caught(int sig)
{
	char line[256];
	int yes = 0;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "SigCgt:", 7))
			yes = (strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1;
	if (f)
		fclose(f);
	return yes;
}

int main(void)
{
	keep = malloc(40);
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	wait_ready();
	raise(SIGUSR1);                    /* a snapshot: the first scan */
	for (int i = 0; i < 10000 && !caught(SIGRTMIN + 3); i++)
		usleep(1000);
	struct sigaction sa, cur;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = mine;
	sigaction(SIGRTMIN + 3, &sa, NULL);
	sigaction(SIGRTMIN + 3, NULL, &cur);
	printf("%s\n", cur.sa_handler == mine ? "mine" : "other");
	return 0;
}
