/* Simulates a full disk for the report: ignores SIGXFSZ and lowers
 * RLIMIT_FSIZE to 64 bytes, so any write past 64 bytes of a file fails with
 * EFBIG, as on a full filesystem. Leaks 33 bytes in disk_leak; the report
 * (far larger than 64 bytes) cannot be written to its file.
 * memcheck: 33 bytes definitely lost. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void disk_leak(void)
{
	char *p = malloc(33);
	memset(p, 1, 33);
	sink += (unsigned long)p[1];
}

int main(void)
{
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit rl = { 64, 64 };
	if (setrlimit(RLIMIT_FSIZE, &rl))
		return 2;
	disk_leak();
	printf("fsize limited\n");
	return 0;
}
