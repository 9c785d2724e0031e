/* Starts copies of itself three ways - vfork+execv, posix_spawn, and
 * fork+execv - and waits for them; each copy (argv[1] = "leaf") leaks 48
 * bytes in leaf_leak. The parent leaks nothing of its own.
 * memcheck --trace-children=yes: each leaf 48 bytes definitely lost. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
static volatile unsigned long sink;

__attribute__((noinline)) static void leaf_leak(void)
{
	char *p = malloc(48);
	memset(p, 3, 48);
	sink += (unsigned long)p[1];
}

static int wait_ok(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return 0;
	return WIFEXITED(st) && WEXITSTATUS(st) == 7;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "leaf")) {
		leaf_leak();
		return 7;
	}
	char *args[] = { argv[0], "leaf", NULL };
	int ok = 0;

	pid_t v = vfork();
	if (v == 0) {
		execv(argv[0], args);
		_exit(127);
	}
	ok += v > 0 && wait_ok(v);

	pid_t s;
	if (posix_spawn(&s, argv[0], NULL, NULL, args, environ) == 0)
		ok += wait_ok(s);

	pid_t f = fork();
	if (f == 0) {
		execv(argv[0], args);
		_exit(127);
	}
	ok += f > 0 && wait_ok(f);

	printf("leaves ok %d\n", ok);
	return ok == 3 ? 0 : 1;
}
