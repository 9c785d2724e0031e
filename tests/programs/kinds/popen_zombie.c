/* popen streams: run_reader's child ("echo leak; exit 6") is read to its
 * end and the stream never pclose'd, so the child is a zombie; run_writer's
 * stream ("cat >/dev/null") is pclose'd. Expected: one "child" group with
 * run_reader in its stack, zombie, "exited 6", and one leaked stream (the
 * never-closed pipe stream) from run_reader; nothing from run_writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zombie.h"

FILE *kept;

/* Wait until every child of this thread is a zombie, without reaping;
 * list their pids. */
static char list[256];
static void wait_zombies(void)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
	for (int zombies = 0; !zombies; usleep(1000)) {
		FILE *f = fopen(path, "r");
		size_t n = f ? fread(list, 1, sizeof list - 1, f) : 0;
		if (f)
			fclose(f);
		list[n] = 0;
		zombies = 1;
		for (char *p = list, *end; (void)strtol(p, &end, 10), end != p; p = end)
			if (!is_zombie(strtol(p, NULL, 10)))
				zombies = 0;
	}
}

static __attribute__((noinline)) int run_reader(void)
{
	kept = popen("echo leak; exit 6", "r");
	char line[64];
	int n = 0;
	while (kept && fgets(line, sizeof line, kept))
		n++;
	return n;
}

static __attribute__((noinline)) int run_writer(void)
{
	FILE *w = popen("cat >/dev/null", "w");
	if (!w)
		return -1;
	fputs("data\n", w);
	return pclose(w);
}

int main(void)
{
	int lines = run_reader();
	int st = run_writer();
	wait_zombies();
	/* the zombie's pid as /proc shows it: the report must name the same */
	printf("lines %d, writer %d, zombie %ld\n", lines, st, strtol(list, NULL, 10));
	return 0;
}
