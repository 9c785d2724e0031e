/* A buffer grown by realloc and leaked: one block of the final size,
 * attributed to the last realloc. memcheck: definitely lost 1000 bytes in
 * 1 block (realloc in grow). A shrink in shrink() keeps 40 bytes, freed. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile unsigned long sink;

__attribute__((noinline)) static char *grow(char *p, size_t n)
{
	char *q = realloc(p, n);
	memset(q, 1, n);
	sink += (unsigned long)q[0];
	return q;
}

__attribute__((noinline)) static void shrink(void)
{
	char *p = malloc(400);
	p = realloc(p, 40);
	sink += (unsigned long)p[0];
	free(p);
}

__attribute__((noinline)) static void leak_chain(void)
{
	char *p = malloc(10);
	p = grow(p, 100);
	p = grow(p, 1000);
	sink += (unsigned long)p[5];
}

int main(void)
{
	leak_chain();
	shrink();
	write(1, "done\n", 5);
	return 0;
}
