/* Exit status pass-through and the gate: exits with status 3, after
 * leaking 40 bytes when argv[1] is "leak". memcheck (with "leak"):
 * definitely lost 40 bytes in 1 block (in leak_it). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void leak_it(void)
{
	char *p = malloc(40);
	memset(p, 0, 40);
	sink += (unsigned long)p[1];
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "leak"))
		leak_it();
	write(1, "bye\n", 4);
	if (argc > 2 && !strcmp(argv[2], "exit"))
		exit(3);
	return 3;
}
