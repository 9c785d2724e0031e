/* A program that redirects its standard streams the way shells do for a
 * pipeline or $(...): dup2 a pipe's write end onto 1 and /dev/null onto 0,
 * closes the originals, and leaks one descriptor of its own (fd 3+, from
 * leak_one). Only that one is a leak.
 *
 * valgrind 3.19 --track-fds=yes: 4 open at exit = 0, 1, 2 + /dev/zero
 * (opened in leak_one); valgrind >= 3.24 prints "(3 std)" for the first
 * three and reports only the /dev/zero descriptor. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

__attribute__((noinline)) static int leak_one(void)
{
	int fd = open("/dev/zero", O_RDONLY);
	return fd;
}

int main(void)
{
	int p[2];
	if (pipe(p))
		return 1;
	dup2(p[1], 1);            /* stdout is now the pipe's write end */
	close(p[1]);
	close(p[0]);
	int null = open("/dev/null", O_RDONLY);
	dup2(null, 0);            /* stdin is /dev/null */
	close(null);
	return leak_one() < 0;
}
