/* Memory that libc allocates for the caller: strdup and getline.
 * memcheck: definitely lost 126 bytes in 2 blocks: 6 in strdup (called
 * from dup_name), 120 in getdelim (getline's first buffer, from
 * read_line). The FILE used for getline is closed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void dup_name(void)
{
	char *s = strdup("hello");
	sink += (unsigned long)s[1];
}

__attribute__((noinline)) static void read_line(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	sink += (unsigned long)n;
	fclose(f);
}

int main(int argc, char **argv)
{
	dup_name();
	read_line(argc > 1 ? argv[1] : "/proc/self/status");
	write(1, "done\n", 5);
	return 0;
}
