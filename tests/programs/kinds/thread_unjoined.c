/* Two joinable threads (one call site) that end and are never joined (spawn_worker), one
 * still blocked at exit (spawn_sleeper), one joined and one detached.
 * Expected: thread group "open" from spawn_worker, 2 handles, state
 * "ended"; a running group (leaked false) from spawn_sleeper, 1 handle. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <stdlib.h>
#include <unistd.h>

static int block_fd[2];

static void *work(void *tidp)
{
	*(volatile pid_t *)tidp = (pid_t)syscall(SYS_gettid);
	return NULL;
}

static void *sleeper(void *arg)
{
	char c;
	(void)arg;
	(void)!read(block_fd[0], &c, 1);   /* never written: runs until exit */
	return NULL;
}

/* Wait until the thread is gone from the kernel (tgkill fails with ESRCH),
 * which happens after the kernel cleared its tid in the descriptor. */
static void wait_gone(volatile pid_t *tid)
{
	while (!*tid)
		usleep(1000);
	while (syscall(SYS_tgkill, getpid(), *tid, 0) == 0 || errno != ESRCH)
		usleep(1000);
}

static pthread_t spawn_worker(volatile pid_t *tid)
{
	pthread_t t;
	pthread_create(&t, NULL, work, (void *)tid);
	wait_gone(tid);
	return t;
}

static pthread_t spawn_sleeper(void)
{
	pthread_t t;
	pthread_create(&t, NULL, sleeper, NULL);
	return t;
}

int main(void)
{
	static volatile pid_t tids[4];
	(void)!pipe(block_fd);
	for (int i = 0; i < 2; i++)    /* one call site: one stack, one group */
		spawn_worker(&tids[i]);
	spawn_sleeper();
	pthread_t j = spawn_worker(&tids[2]);
	pthread_join(j, NULL);
	pthread_t d = spawn_worker(&tids[3]);
	pthread_detach(d);
	printf("threads done\n");
	fflush(stdout);
	/* the sleeper still runs: leave without waiting for it */
	exit(0);
}
