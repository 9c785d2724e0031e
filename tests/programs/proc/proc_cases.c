/* Scenarios about what the program sees of the tracer's thread, signals,
 * descriptors and streams; argv[1] picks one. Every mode first leaks 48
 * bytes in main_leak.
 *   pthread_exit   main ends with pthread_exit(NULL), no other thread.
 *   pthread_exit_workers  main starts two workers and pthread_exits at
 *                  once; each worker waits until main has gone (it polls
 *                  /proc/self/task/<pid>/stat for state Z), leaks 100 bytes
 *                  in worker_leak and returns.
 *   pthread_exit_wait  a worker prints "ready" and waits in pause()
 *                  forever; main pthread_exits (the test sends SIGTERM).
 *   usr1_handler   installs its own SIGUSR1 handler, writes "own line" on
 *                  stderr, exits 0.
 *   sigpending [handler]  blocks SIGUSR1, kill(getpid(), SIGUSR1), sleeps
 *                  100 ms, prints whether it is pending and whether the
 *                  handler ran; with "handler", installs one first, then
 *                  unblocks and prints on which thread it ran.
 *   fclose_stderr / close2  ends by fclose(stderr) / close(2), then exit 0.
 *   fork_from_thread  a thread forks; in the child that thread (the
 *                  child's only one) leaks 100 bytes in worker_leak and
 *                  returns, which ends the child (glibc's exit(0) when
 *                  its last thread ends); the parent's thread waits for it
 *                  (at most 10 s, then kills it) and prints how it ended.
 *   term_in_hook   a worker allocates and frees in a loop (inside the
 *                  tracer's malloc hooks most of the time) while main,
 *                  blocking SIGTERM itself, sends SIGTERM to the process:
 *                  only the worker can take it. Natively: killed by
 *                  SIGTERM (the test checks the status and the report).
 *   count_fds      prints the descriptors fstat finds below
 *                  sysconf(_SC_OPEN_MAX) and those /proc/self/fd lists.
 * memcheck (valgrind 3.19, --leak-check=full --show-leak-kinds=all):
 *   every mode: 48 bytes in 1 block definitely lost in main_leak;
 *   pthread_exit_workers: plus 200 bytes in 2 blocks definitely lost in
 *   worker_leak (248 bytes in 3 blocks in all);
 *   fork_from_thread (--trace-children=yes): the child, 148 bytes in 2
 *   blocks definitely lost (main_leak inherited, worker_leak), status 0;
 *   the parent, 48 bytes in main_leak. */
#include <sys/wait.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "count_fds.h"

static volatile unsigned long sink;
static volatile int handled, handled_tid;

__attribute__((noinline)) static void main_leak(void)
{
	char *p = malloc(48);
	memset(p, 1, 48);
	sink += (unsigned long)p[3];
}

__attribute__((noinline)) static void worker_leak(void)
{
	char *p = malloc(100);
	memset(p, 2, 100);
	sink += (unsigned long)p[5];
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts))
		;
}

static int main_is_gone(void)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)getpid());
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	const char *s = strrchr(buf, ')');
	return s && s[1] == ' ' && s[2] == 'Z';
}

static void *worker(void *arg)
{
	(void)arg;
	while (!main_is_gone())
		nap_ms(5);
	worker_leak();
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
	handled = 1;
	handled_tid = (int)syscall(SYS_gettid);
}


static void *churn(void *arg)
{
	(void)arg;
	for (unsigned long i = 0;; i++) {
		void *p = malloc(16 + i % 512);
		sink += (unsigned long)p & 1;
		free(p);
	}
	return NULL;
}

static void *forker(void *arg)
{
	(void)arg;
	pid_t pid = fork();
	if (pid == 0) {
		worker_leak();
		return NULL;        /* the child's last thread ends: exit(0) */
	}
	int st = 0;
	for (int i = 0; i < 1000; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			printf("child exited %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			return NULL;
		}
		nap_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	printf("child hung\n");
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	main_leak();
	if (!strcmp(mode, "pthread_exit")) {
		pthread_exit(NULL);
	} else if (!strcmp(mode, "pthread_exit_workers")) {
		pthread_t t;
		for (int i = 0; i < 2; i++)
			pthread_create(&t, NULL, worker, NULL);
		pthread_exit(NULL);
	} else if (!strcmp(mode, "term_in_hook")) {
		/* the worker first: it must not inherit main's mask */
		pthread_t t;
		pthread_create(&t, NULL, churn, NULL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
		nap_ms(50);
		kill(getpid(), SIGTERM);
		for (;;)
			pause();
	} else if (!strcmp(mode, "pthread_exit_wait")) {
		pthread_t t;
		pthread_create(&t, NULL, waiter, NULL);
		pthread_exit(NULL);
	} else if (!strcmp(mode, "fork_from_thread")) {
		pthread_t t;
		pthread_create(&t, NULL, forker, NULL);
		pthread_join(t, NULL);
	} else if (!strcmp(mode, "usr1_handler")) {
		signal(SIGUSR1, on_usr1);
		fprintf(stderr, "own line\n");
	} else if (!strcmp(mode, "sigpending")) {
		int with_handler = argc > 2 && !strcmp(argv[2], "handler");
		if (with_handler)
			signal(SIGUSR1, on_usr1);
		sigset_t set, pend;
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		kill(getpid(), SIGUSR1);
		nap_ms(100);
		sigpending(&pend);
		printf("pending=%d handled=%d\n", sigismember(&pend, SIGUSR1), handled);
		if (with_handler) {
			sigprocmask(SIG_UNBLOCK, &set, NULL);
			printf("after unblock handled=%d on %s thread\n", handled,
			       handled_tid == getpid() ? "the main" : "another");
		}
	} else if (!strcmp(mode, "fclose_stderr")) {
		fclose(stderr);
	} else if (!strcmp(mode, "close2")) {
		close(2);
	} else if (!strcmp(mode, "count_fds")) {
		count_fds();
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	return 0;
}
