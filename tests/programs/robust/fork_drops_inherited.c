/* The parent keeps two blocks in globals (shared_keep, 300 bytes, and
 * dropped_in_child, 100 bytes) and forks. The child drops its only pointer
 * to dropped_in_child, leaks 200 bytes of its own (child_leak) and exits;
 * the parent waits and exits keeping both.
 * Prints "child PID" so the test can tell the two reports apart.
 * memcheck 3.19 --trace-children=yes --leak-check=full
 * --show-leak-kinds=all: parent: definitely 0, still reachable 400 in 2
 * (+ stdout's buffer 1,024); child: definitely lost 300 in 2 (100
 * dropped_in_child, inherited, and 200 child_leak), still reachable 300 in
 * 1 (shared_keep, inherited). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *shared_keep;
static void *dropped;
static volatile unsigned long sink;

__attribute__((noinline)) static void keep_shared(void)
{
	shared_keep = malloc(300);
	memset(shared_keep, 1, 300);
}

__attribute__((noinline)) static void dropped_in_child(void)
{
	dropped = malloc(100);
	memset(dropped, 1, 100);
}

__attribute__((noinline)) static void child_leak(void)
{
	char *p = malloc(200);
	memset(p, 2, 200);
	sink += (unsigned long)p[5];
}

int main(void)
{
	keep_shared();
	dropped_in_child();
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		dropped = NULL;
		child_leak();
		return 0;
	}
	int st;
	waitpid(pid, &st, 0);
	printf("child %d\n", (int)pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}
