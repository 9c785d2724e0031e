/* The parent leaks 100 bytes (parent_leak) before fork(); the child leaks
 * 200 bytes (child_leak) and exits; the parent waits and leaks nothing more.
 * Prints "child PID" so the test can tell the two reports apart.
 * memcheck --trace-children=yes: parent 100 definitely lost (parent_leak);
 * child 300 (100 inherited + 200). leaktrace reports the inherited block too,
 * marked allocated before fork, unless fork_inherit=0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void parent_leak(void)
{
	char *p = malloc(100);
	memset(p, 1, 100);
	sink += (unsigned long)p[3];
}

__attribute__((noinline)) static void child_leak(void)
{
	char *p = malloc(200);
	memset(p, 2, 200);
	sink += (unsigned long)p[5];
}

int main(void)
{
	parent_leak();
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		child_leak();
		/* the child uses stdio and frees what it allocates: only
		 * child_leak is its own */
		char *q = strdup("child scratch");
		sink += (unsigned long)q[0];
		free(q);
		return 0;
	}
	int st;
	waitpid(pid, &st, 0);
	printf("child %d\n", (int)pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}
