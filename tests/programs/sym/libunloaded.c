/* A library that dlclose_leak.c loads, leaks from, and unloads. */
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

__attribute__((noinline)) void unloaded_alloc(size_t n)
{
	char *p = malloc(n);           /* line 9: the leak */
	memset(p, 0, n);
	sink += (unsigned long)p[0];
}
