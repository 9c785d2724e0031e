/* A dlopen'ed library that leaks (used by dlopen_leak.c). */
#include <stdlib.h>
#include <string.h>

static volatile unsigned long sink;

__attribute__((noinline)) void leaky_alloc(size_t n)
{
	char *p = malloc(n);
	memset(p, 0, n);
	sink += (unsigned long)p[0];
}
