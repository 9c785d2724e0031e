/* Allocates with every entry point and frees everything: zero leaks. */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	void *a = malloc(100);
	void *b = calloc(10, 10);
	void *c = realloc(NULL, 50);
	c = realloc(c, 5000);
	void *d;
	if (posix_memalign(&d, 64, 128))
		return 1;
	void *e = aligned_alloc(256, 512);
	void *f = memalign(32, 96);
	void *g = valloc(100);
	char *s = strdup("no leak here");
	if (malloc_usable_size(a) < 100)
		return 2;
	free(a); free(b); free(c); free(d); free(e); free(f); free(g); free(s);
	write(1, "ok\n", 3);
	return 0;
}
