/* A daemon-style start: close every descriptor above 2, then work and leak
 * 33 bytes in leak_after_close. The tracer's own descriptors survive (the
 * program never opened them) and the report is written as usual.
 * memcheck: definitely lost 33 bytes in 1 block. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void leak_after_close(void)
{
	char *p = malloc(33);
	memset(p, 1, 33);
	sink += (unsigned long)p[2];
}

int main(void)
{
	long max = sysconf(_SC_OPEN_MAX);
	for (long fd = 3; fd < max && fd < (1 << 20); fd++)
		close((int)fd);
	int fds[2];
	if (pipe(fds) || fds[0] != 3 || fds[1] != 4)
		return 1;             /* the lowest numbers are the program's */
	close(fds[0]);
	close(fds[1]);
	leak_after_close();
	write(1, "ok\n", 3);
	return 0;
}
