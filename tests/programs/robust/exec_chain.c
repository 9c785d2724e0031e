/* An exec chain: image N leaks N*16+16 bytes in chain_leak, then (N > 0)
 * execs itself with N-1, keeping the pid. Only the last image (N = 0,
 * 16 bytes) ever exits, so only it writes a report; the earlier images are
 * replaced by execve, which runs no exit handlers or destructors.
 * memcheck --trace-children=yes: image 0 has 16 bytes definitely lost. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void chain_leak(size_t n)
{
	char *p = malloc(n);
	memset(p, 4, n);
	sink += (unsigned long)p[0];
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	chain_leak((size_t)n * 16 + 16);
	printf("image %d pid %d\n", n, (int)getpid());
	fflush(stdout);
	if (n > 0) {
		char next[16];
		snprintf(next, sizeof next, "%d", n - 1);
		char *args[] = { argv[0], next, NULL };
		execv(argv[0], args);
		return 127;
	}
	return 0;
}
