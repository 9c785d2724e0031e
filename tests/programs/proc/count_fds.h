/* Shared by the proc test programs: print the descriptors fstat finds
 * below sysconf(_SC_OPEN_MAX), then those /proc/self/fd lists (sorted,
 * without the listing's own), so a test can compare native and traced
 * runs line for line. */
#ifndef PROC_COUNT_FDS_H
#define PROC_COUNT_FDS_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void count_fds(void)
{
	long max = sysconf(_SC_OPEN_MAX);
	struct stat st;
	printf("fstat:");
	for (long fd = 0; fd < max; fd++)
		if (fstat((int)fd, &st) == 0)
			printf(" %ld", fd);
	printf("\n/proc/self/fd:");
	DIR *d = opendir("/proc/self/fd");
	if (!d) {
		printf(" cannot list\n");
		return;
	}
	int self = dirfd(d);
	static int fds[65536];
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 65536)
		if (e->d_name[0] != '.' && atoi(e->d_name) != self)
			fds[n++] = atoi(e->d_name);
	closedir(d);
	qsort(fds, (size_t)n, sizeof fds[0], cmp_int);  /* listing order is the kernel's */
	for (int i = 0; i < n; i++)
		printf(" %d", fds[i]);
	printf("\n");
}

#endif
