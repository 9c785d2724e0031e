/* A block kept only through a pointer into its middle: possibly lost.
 * memcheck: possibly lost 64 bytes in 1 block; definitely 0. */
#include <stdlib.h>

#include "common.h"

static char *inside;

__attribute__((noinline)) static void keep_inside(void)
{
	char *p = calloc(1, 64);
	inside = p + 20;
	p[0] = 1;
}

int main(void)
{
	keep_inside();
	scrub();
	return 0;
}
