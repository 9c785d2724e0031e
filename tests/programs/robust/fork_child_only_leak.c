/* A clean parent whose forked child (no exec) leaks 72 bytes in
 * child_only_leak and exits 0; the parent returns the child's status and
 * prints "child PID". The child's leak must not change anyone's status:
 * a fork-only child never gates.
 * memcheck --trace-children=yes --leak-check=full: parent "definitely lost:
 * 0 bytes in 0 blocks"; child "definitely lost: 72 bytes in 1 blocks"
 * (child_only_leak). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void child_only_leak(void)
{
	char *p = malloc(72);
	memset(p, 7, 72);
	sink += (unsigned long)p[9];
}

int main(void)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		child_only_leak();
		exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("child %d\n", (int)pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}
