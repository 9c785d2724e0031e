/* 100,000 leaks of 16 bytes from one stack.
 * memcheck: definitely lost 1,600,000 bytes in 100,000 blocks. */
#include <stdlib.h>

#include "common.h"

static volatile unsigned long sink;

__attribute__((noinline)) static void leak_small(void)
{
	char *p = malloc(16);
	p[0] = 1;
	sink += (unsigned long)p[0];
}

int main(void)
{
	for (int i = 0; i < 100000; i++)
		leak_small();
	scrub();
	return 0;
}
