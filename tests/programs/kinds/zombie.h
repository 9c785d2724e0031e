/* Shared by the child-process programs: whether /proc says a pid is a
 * zombie, and waiting for it to become one, without reaping it. */
#ifndef KINDS_ZOMBIE_H
#define KINDS_ZOMBIE_H

#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static int is_zombie(long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	return p && p[1] == ' ' && p[2] == 'Z';
}

static inline void wait_zombie(pid_t pid)
{
	while (!is_zombie((long)pid))
		usleep(1000);
}

#endif
