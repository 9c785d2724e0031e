/* Nothing leaks; stdio's buffer stays allocated (still reachable through
 * libc's stdout, freed by valgrind's __libc_freeres).
 * memcheck: definitely 0, indirectly 0, possibly 0. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char *p = malloc(100);
	snprintf(p, 100, "hello %d", 42);
	puts(p);
	free(p);
	return 0;
}
