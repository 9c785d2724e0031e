/* Lowers RLIMIT_NOFILE to 40, opens /dev/null until open fails, and prints
 * how many it got and the errno (EMFILE); the tracer must not use up any of
 * the program's descriptors. Then it closes them all (so the exit report
 * can be written to a file) and leaks 8 bytes in fd_leak.
 * memcheck: 8 bytes definitely lost. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void fd_leak(void)
{
	char *p = malloc(8);
	memset(p, 9, 8);
	sink += (unsigned long)p[1];
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 40, 40 };
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return 2;
	int fds[64], n = 0;
	for (;;) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	printf("opened %d errno=%s\n", n, strerrorname_np(errno));
	/* a failing allocation-free call at the limit still behaves */
	FILE *f = fopen("/dev/null", "r");
	printf("fopen at limit %s errno=%s\n", f ? "FILE" : "NULL", strerrorname_np(errno));
	if (f)
		fclose(f);
	fd_leak();
	if (argc > 1 && !strcmp(argv[1], "keep"))
		return 0;     /* exit with every descriptor in use */
	while (n > 0)
		close(fds[--n]);
	return 0;
}
